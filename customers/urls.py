from django.urls import path

from customers import api

urlpatterns = [
    path("customers/", api.CustomerListApi.as_view(), name="api-customer-list"),
    path(
        "source-records/batch",
        api.SourceRecordBatchApi.as_view(),
        name="api-source-record-batch",
    ),
    path("source-records/", api.SourceRecordListApi.as_view(), name="api-source-record-list"),
    path(
        "source-records/<str:system>/<path:external_id>/",
        api.SourceRecordDetailApi.as_view(),
        name="api-source-record-detail",
    ),
]
