"""Data access: the SQL behind the routes, one module per topic. Functions take an open
connection (the route decides the transaction) and return rows or protocol models."""
