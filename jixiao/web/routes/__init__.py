"""The workbench's routers by area: pages (session, reports, fill, compare, admin) and the JSON API."""
