"""Dashboard pages of customers: the list (search, what they bought, where they talk to the
shop) and a customer's page (identities per channel, saved card, orders, conversations)."""

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render

from conversations.selectors import (
    customer_admin_detail,
    customer_admin_list,
    customer_conversations,
)
from orders.selectors import OrderFilters, order_admin_list
from shops.dashboard_access import dashboard_view
from shops.tenancy import get_for_shop_or_404

PAGE_SIZE = 25
RECENT_ORDERS = 10


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, phone or e-mail", "autocomplete": "off"}
        ),
    )


def _channel_labels(customer) -> list[str]:
    return sorted({identity.channel.get_kind_display() for identity in customer.identities.all()})


@dashboard_view("customers.view")
def customer_list(request):
    form = CustomerSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    customers = customer_admin_list(shop=request.shop, query=query)
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for customer in rows:
        customer.channel_labels = _channel_labels(customer)
    return render(
        request,
        "conversations/customers/customer_list.html",
        {"form": form, "query": query, "page": page, "customers": rows},
    )


@dashboard_view("customers.view")
def customer_detail(request, customer_id: int):
    customer = get_for_shop_or_404(
        customer_admin_detail(shop=request.shop), shop=request.shop, pk=customer_id
    )
    identities = list(customer.identities.all())
    orders = order_admin_list(shop=request.shop, filters=OrderFilters(customer_id=customer.pk))
    conversations = list(customer_conversations(customer=customer))
    return render(
        request,
        "conversations/customers/customer_detail.html",
        {
            "customer": customer,
            "identities": identities,
            "payment_methods": list(customer.payment_methods.all()),
            "orders": list(orders[:RECENT_ORDERS]),
            "conversations": conversations,
        },
    )
