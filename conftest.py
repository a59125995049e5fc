pytest_plugins = ["slrt_runtime.testing"]
