"""portal — the server-rendered web pages for citizens, businesses and staff.

Views validate input, call one service or selector of another module, and render; they hold no
business rules. Pages: home and search, service guide, apply wizard, my applications, inbox, rating,
progress query, power/responsibility lists, staff workbench and case page, rectifications.
"""
