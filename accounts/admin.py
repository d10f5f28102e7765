"""Django admin for IT (superusers); the sales organisation uses its own pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Attendance, Department, HandOver, Team, Training, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "position", "team", "is_active"]
    list_filter = ["position", "is_active", "department"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("BulkSales", {"fields": ["full_name", "position", "department", "team", "phone", "language"]}),
    )


admin.site.register(Department)
admin.site.register(Team)
admin.site.register(HandOver)
admin.site.register(Training)
admin.site.register(Attendance)
