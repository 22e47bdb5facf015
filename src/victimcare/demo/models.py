from django.db import models


class DemoWorld(models.Model):
    """A synthetic demo world loaded into this database. Its presence puts the
    'Demonstration data: synthetic' banner on every page."""

    scale = models.CharField(max_length=16)
    seed = models.PositiveIntegerField()
    built_at = models.DateTimeField()
    # The last day of the world's activity (its year runs up to and including it).
    as_of = models.DateField(null=True, blank=True)
    cases = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-built_at"]

    def __str__(self) -> str:
        return f"Synthetic demo world ({self.scale}, seed {self.seed})"
