"""/dashboard/channels/whatsapp/templates/: the message templates a shop's WhatsApp numbers
have approved at Meta, registered here so the inbox's composer can offer them outside the
24-hour window."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from channels_adapters import selectors
from channels_adapters.models import WhatsAppTemplate
from channels_adapters.whatsapp import templates_services
from channels_adapters.whatsapp.templates_forms import WhatsAppTemplateForm
from shops.dashboard_access import dashboard_view
from shops.tenancy import get_for_shop_or_404

PER_PAGE = 50


@dashboard_view("channels.manage", post="channels.manage")
def whatsapp_templates(request):
    numbers = selectors.template_channels(shop=request.shop)
    form = WhatsAppTemplateForm(request.POST or None, channels=numbers)
    if request.method == "POST" and form.is_valid():
        try:
            template = templates_services.whatsapp_template_add(**form.add_kwargs())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, f"Template {template} added: agents can now send it from the inbox."
            )
            return redirect("dashboard:whatsapp_templates")
    templates = Paginator(selectors.whatsapp_templates(shop=request.shop), PER_PAGE)
    return render(
        request,
        "channels_adapters/dashboard/whatsapp_templates.html",
        {
            "form": form,
            "templates": templates.get_page(request.GET.get("page")),
            "has_numbers": numbers.exists(),
        },
    )


@dashboard_view(None, post="channels.manage")
def whatsapp_template_remove(request):
    template = get_for_shop_or_404(
        WhatsAppTemplate.objects, shop=request.shop, pk=request.POST.get("template")
    )
    described = str(template)
    templates_services.whatsapp_template_remove(template=template, user=request.user)
    messages.success(
        request, f"Template {described} removed: agents can no longer pick it in the inbox."
    )
    return redirect("dashboard:whatsapp_templates")
