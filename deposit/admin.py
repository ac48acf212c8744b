from django.contrib import admin

from .models import Deposit, DepositEvent, DepositFile


class DepositEventInline(admin.TabularInline):
    model = DepositEvent
    extra = 0
    readonly_fields = ("action", "from_status", "to_status", "actor", "note", "created")
    can_delete = False


@admin.register(Deposit)
class DepositAdmin(admin.ModelAdmin):
    list_display = ("__str__", "owner", "community", "status", "modified")
    list_filter = ("status", "community")
    inlines = [DepositEventInline]
    readonly_fields = ("status",)


admin.site.register(DepositFile)
