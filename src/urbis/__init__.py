"""urbis: customer information and billing for smart utilities and the cities they serve."""
