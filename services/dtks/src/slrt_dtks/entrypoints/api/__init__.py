"""HTTP API of the DTKS service: registry and checks, the DCI search, the prelist workflow."""
