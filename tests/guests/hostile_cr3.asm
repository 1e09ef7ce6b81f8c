%define GUEST_NAME "hostile_cr3"
%define ROUTE_CR3
%include "hostile_region.asm"
