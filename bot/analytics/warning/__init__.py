"""Early warning: complaint counts per (model, part) and (dealer, category) per week, tested for rises."""
