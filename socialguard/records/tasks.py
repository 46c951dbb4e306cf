"""Records sweep: once a day, put the records that reached their retention date on the review list."""

from socialguard.web.schedule import register_sweep

from .reviews import review_sweep

register_sweep(review_sweep)
