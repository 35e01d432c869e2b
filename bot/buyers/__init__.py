"""Buyers of PayPal sales: found after the sale's card is drawn, by asking PayPal, and joined to their history."""
