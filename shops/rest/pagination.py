from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Stable pages under concurrent writes; `?page_size=` up to 200; `?ordering=` honoured on a
    viewset's list (a garbled `?cursor=` is a 404, as DRF answers)."""

    ordering = "-created_at"
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_ordering(self, request, queryset, view):
        if getattr(view, "action", "list") == "list":
            return super().get_ordering(request, queryset, view)
        # A nested list (a customer's orders, an endpoint's deliveries) pages other objects
        # than the view's own, so the view's `?ordering=` fields may not exist on them.
        ordering = getattr(view, "ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)
