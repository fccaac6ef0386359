"""The customer portal: what a signed-in customer does with their own accounts."""
