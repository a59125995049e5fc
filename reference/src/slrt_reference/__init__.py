"""Reference data of the platform, versioned with the package."""
