# No models: this module exists so that Django sends post_migrate for the "site" app,
# which creates the database cache's table (see config/apps.py).
