from customer_master.match import splink_log  # noqa: F401  (filters Splink's deliberate warnings once)
