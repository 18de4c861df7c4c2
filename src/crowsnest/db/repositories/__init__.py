"""Every database query of crowsnest lives in this package, one module per aggregate."""
