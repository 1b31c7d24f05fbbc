"""The HTTP API by area: each module is one Chalice blueprint (chalicelib.web.Area) whose routes
follow the route contract (chalicelib.web.Router). app.py registers them; the route table they
fill feeds the OpenAPI document.

    accounts      /me, /persons/me, /units/me…, agents, /regions
    bindings      /bindings/me, /units/me/superior, /binding-requests…
    notices       /notices…, /admin/notices…
    declarations  /matters/{matter}/definition, /declarations… (modules, entries, attachments,
                  submit, withdraw, progress)
    reviews       /workbench, /reviews…, /opinions…
    results       /results, /results/search
    statistics    /statistics, /statistics/export (统计分析)
    forms         /declarations/{id}/forms…, /forms/summary_table, /exports…
    certificates  /certificates…, /me/certificates…, /verify/certificate… (public), /.well-known/certificate-keys
    local         /dev/… (the local stage only, not even a route elsewhere)
"""
from chalicelib import config


def register(app, router) -> None:
    from chalicelib.api import accounts, bindings, certificates, declarations, forms, local, notices, results, reviews

    for module in (accounts, bindings, notices, declarations, reviews, results, forms, certificates):
        module.area.register(app, router)
    from chalicelib.api import statistics
    statistics.area.register(app, router)
    if config.is_local():
        local.area.register(app, router)
