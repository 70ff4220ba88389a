from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dashboard.decorators import account_required


@login_required
@account_required
def overview(request):
    return render(request, "dashboard/overview.html", {"account": request.account})
