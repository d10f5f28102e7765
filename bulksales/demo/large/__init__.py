"""The large data set of `manage.py seed_demo --size large`: about 300 people in 25 teams, 20,000 customers,
200,000 deals, a million activities... over two years.

The rows are generated in Python with a seeded random.Random and written in bulk (`bulksales.demo.bulk`),
with their ids set here. Every derived column is computed as the services would have written it, or by the
services' own set-based functions afterwards.
"""
