"""identity — unified identity (统一身份认证).

Owns regions (GB/T 2260 and grids below the county), the department tree, users and their staff roles
scoped to departments, real-name citizens (GB 11643) and businesses (GB 32100), password login with
a throttle per (username, address) and per address (`throttle`), TOTP for staff, and the OIDC
provider's claims and audit (`oidc`). Public functions: `services.citizen_register`,
`services.business_register`, `services.staff_create`, `services.login_authenticate`,
`services.totp_begin/totp_enable/totp_disable`, `selectors.staff_assignments`.
"""
