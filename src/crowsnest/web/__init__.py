"""FastAPI application: thin routers, pydantic schemas, templates and static files."""
