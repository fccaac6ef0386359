"""An account's consumption by meter, as the customer portal and the agent console show it."""
