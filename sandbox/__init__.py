"""A local help desk that speaks the Zendesk and Freshdesk wire formats."""
