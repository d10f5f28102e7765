"""The coaching pages: the list, a note, the coach's form with its agreed actions, the rep's
acknowledgement and ticking an action done. A note outside the user's scope answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access, params
from accounts.pages import AuthenticatedRequest, filter_data, page_of
from accounts.services import RuleError

from . import selectors, services
from .filters import CoachingNoteFilter
from .forms import AcknowledgeForm, ActionFormSet, CoachingNoteForm, few_enough_to_list
from .models import CoachingAction, CoachingNote


def _note_or_404(request: AuthenticatedRequest, pk: int) -> CoachingNote:
    notes = selectors.notes_visible_to(request.user).select_related(
        "rep__team", "coach", "deal__commodity", "deal__customer", "customer")
    return access.get_visible_or_404(notes, pk=pk)


@login_required
def note_list(request: AuthenticatedRequest) -> HttpResponse:
    notes = selectors.with_open_actions(selectors.notes_visible_to(request.user)).select_related("rep", "coach")
    filtered = CoachingNoteFilter(filter_data(request), queryset=notes, user=request.user)
    page = page_of(request, filtered.qs.order_by("-held_on", "-pk"))
    return render(request, "coaching/note_list.html", {
        "filter": filtered, "page": page, "can_write": access.coachees_for(request.user).exists(),
    })


@login_required
def note_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    note = _note_or_404(request, pk)
    user = request.user
    return render(request, "coaching/note_detail.html", {
        "note": note,
        "actions": list(note.actions.select_related("done_by")),
        "today": timezone.localdate(),
        "can_change": not note.acknowledged and access.can_change_coaching_note(
            user, coach_id=note.coach_id, rep=note.rep),
        "can_acknowledge": not note.acknowledged and access.can_acknowledge_coaching_note(user, note.rep_id),
        "can_tick": access.can_tick_coaching_action(user, rep=note.rep, coach_id=note.coach_id),
        "acknowledge_form": AcknowledgeForm(),
    })


@access.manager_or_director
def note_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    rep = None
    if pk is None:
        note = CoachingNote(held_on=timezone.localdate())
        rep_id = params.optional_id(request.GET.get("rep"))
        initial = {"rep": rep_id} if rep_id else {}
        coachees = access.coachees_for(user).select_related("team")
        rep = coachees.filter(pk=rep_id).first() if rep_id else None
        if rep is None and not few_enough_to_list(user):
            # Too many deals to list: whom the note is for, first.
            return render(request, "coaching/rep_pick.html", {"coachees": coachees.order_by("full_name", "pk")})
    else:
        note = _note_or_404(request, pk)
        initial = {}
        if note.acknowledged:
            messages.error(request, _("The rep has acknowledged this note: it can no longer be changed."))
            return redirect("coaching:detail", pk=note.pk)
        if not access.can_change_coaching_note(user, coach_id=note.coach_id, rep=note.rep):
            raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = CoachingNoteForm(data, instance=note, initial=initial, coach=user,
                            rep=rep or (note.rep if note.pk else None))
    actions = ActionFormSet(data, instance=note, prefix="actions")
    if data is not None:
        # Both validated, so that every mistake is shown at once.
        form_ok, actions_ok = form.is_valid(), actions.is_valid()
        if form_ok and actions_ok:
            try:
                services.coaching_note_save(note=form.save(commit=False), actions=actions, by=user)
            except RuleError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The coaching note was saved."))
                return redirect("coaching:detail", pk=note.pk)
    return render(request, "coaching/note_form.html", {"form": form, "actions": actions, "note": note, "picked": rep})


@require_POST
@login_required
def note_acknowledge(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    note = _note_or_404(request, pk)
    if not access.can_acknowledge_coaching_note(request.user, note.rep_id):
        raise PermissionDenied
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Your comment is too long."))
        return redirect("coaching:detail", pk=note.pk)
    try:
        services.coaching_note_acknowledge(note=note, by=request.user, comment=form.cleaned_data["comment"])
    except RuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Acknowledged: your coach sees that you have read the note."))
    return redirect("coaching:detail", pk=note.pk)


@require_POST
@login_required
def action_mark(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actions = CoachingAction.objects.filter(
        note__in=selectors.notes_visible_to(request.user).values("pk")).select_related("note__rep")
    action = access.get_visible_or_404(actions, pk=pk)
    done = params.int_in(request.POST.get("done"), (0, 1))
    if done is None:
        messages.error(request, _("Mark the action done or open it again."))
    else:
        try:
            services.coaching_action_mark(action=action, done=bool(done), by=request.user)
        except RuleError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Marked done.") if done else _("Opened again."))
    back = request.POST.get("next")
    if back == "inbox":
        return redirect("reminders:inbox")
    return redirect("coaching:detail", pk=action.note_id)
