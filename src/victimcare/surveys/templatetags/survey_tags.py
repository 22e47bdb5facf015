from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key], or None: for per-stratum counts kept as JSON objects."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def percent(value, places=1):
    """0.4567 as '45.7%'; a dash when there is no rate."""
    if value is None:
        return "–"
    return f"{value * 100:.{int(places)}f}%"
