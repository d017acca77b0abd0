"""Staff site: Piccolo Admin configured once, mounted by the API at /admin/."""
