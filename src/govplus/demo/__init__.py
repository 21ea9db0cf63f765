"""demo — the seeded demo county (浙江省湖州市德清县, GB/T 2260 code 330521).

`demo_seed()` loads regions, departments, the catalog, demo accounts for every role, the OIDC client
`govplus-cli`, about 500 historical cases spread over the last 90 days, and the e-licence library: the
licences the demo people hold and those the historical cases issued (`demo.licences`). It refuses to run with
DEBUG off unless forced, so a production database is never filled with demo people.
"""
