"""Pages for people: customers, match review."""

from django.urls import path

from console import customer_pages

urlpatterns = [
    path("customers/", customer_pages.customer_search, name="customer-search"),
    path("customers/<uuid:customer_id>/", customer_pages.customer_detail, name="customer-detail"),
    path(
        "customers/<uuid:customer_id>/merges/<int:decision_id>/unmerge",
        customer_pages.customer_unmerge,
        name="customer-unmerge",
    ),
    path("review/", customer_pages.steward_review, name="steward-review"),
    path("review/<int:candidate_id>/", customer_pages.steward_decide, name="steward-decide"),
]
