%define GUEST_NAME "hostile_alias"
%define ROUTE_ALIAS
%include "hostile_region.asm"
