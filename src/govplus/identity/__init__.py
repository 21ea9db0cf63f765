"""identity — unified identity (统一身份认证).

Owns regions (GB/T 2260 and grids below the county), the department tree, users and their staff roles
scoped to departments, real-name citizens (GB 11643) and businesses (GB 32100), password login with
lockout, TOTP for staff, and the OIDC provider's claims. Public functions: `services.citizen_register`,
`services.business_register`, `services.staff_create`, `services.login_authenticate`,
`services.totp_begin/totp_enable`, `selectors.staff_assignments`.
"""
