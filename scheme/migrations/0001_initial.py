# The scheme settings and texts were requests_app's models; every app reads them, so
# they moved below all the apps. Only Django's record of them moves: the tables keep
# their names (db_table) and their rows. Their content types move with them, so the
# permissions the scheme admin group holds, and the admin history, stay theirs.

import django.core.validators
import scheme.models
from django.db import migrations, models

MOVED = ["schemesettings", "schemetext"]


def move_content_types(apps, schema_editor, *, source="requests_app", target="scheme"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=target, model__in=MOVED).exists():
        ContentType.objects.using(db).filter(app_label=source, model__in=MOVED).update(
            app_label=target
        )


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="scheme", target="requests_app")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("requests_app", "0007_scheme_figures_and_inbox"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SchemeText',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slug', models.SlugField(unique=True)),
                        ('title', models.CharField(max_length=150)),
                        ('body', models.TextField(help_text="Blank line between paragraphs; '## ' starts a heading; '- ' a bullet. Write a figure from the scheme settings as {answer_working_days}, {reminder_working_days}, {sessions}, {months}, {extension_sessions}, {notice_hours}, {retention_months} or {scheme_name}: the page shows the setting's current value.")),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'db_table': 'requests_app_schemetext',
                        'ordering': ['slug'],
                    },
                ),
                migrations.CreateModel(
                    name='SchemeSettings',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('scheme_name', models.CharField(default='SuppoRTT peer mentoring', help_text="Shown above the home page's heading and at the foot of every email.", max_length=120)),
                        ('inbox_email', models.EmailField(default=scheme.models.default_inbox_email, help_text="The scheme team's inbox: told of submissions, expiries and cancellations.", max_length=254)),
                        ('response_working_days', models.PositiveSmallIntegerField(default=5, help_text='Working days a mentor has to answer a request before it is rejected.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(30)])),
                        ('reminder_working_days_left', models.PositiveSmallIntegerField(default=2, help_text='Remind the mentor when this many working days are left.')),
                        ('sessions_per_partnership', models.PositiveSmallIntegerField(default=4, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(24)])),
                        ('partnership_months', models.PositiveSmallIntegerField(default=6, help_text='Months from the start of a partnership in which sessions are taken.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(24)])),
                        ('extension_sessions', models.PositiveSmallIntegerField(default=4, help_text='Sessions added when an admin approves an extension.')),
                        ('cancellation_notice_hours', models.PositiveSmallIntegerField(default=24, help_text='A meeting cancelled with less notice is recorded as late.')),
                        ('pending_requests_per_mentee', models.PositiveSmallIntegerField(default=1, help_text='Open requests a mentee may have at once (the database allows one).', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(1)])),
                        ('default_mentor_capacity', models.PositiveSmallIntegerField(default=2, validators=[django.core.validators.MaxValueValidator(10)])),
                        ('matching_mode', models.CharField(choices=[('self_select', 'Mentees choose their mentor from the register'), ('admin_proposes', 'The scheme team proposes a match')], default='self_select', help_text='Not used yet: mentees always choose their mentor from the register.', max_length=16)),
                        ('feedback_midpoint', models.BooleanField(default=True, help_text='Ask both sides for feedback half-way through.')),
                        ('feedback_end', models.BooleanField(default=True, help_text='Ask both sides at the end.')),
                        ('bio_submission_deadline', models.DateField(blank=True, help_text='Last day mentors can submit a bio through the public form. Blank: closed.', null=True)),
                        ('bio_changes_need_review', models.BooleanField(default=False, help_text="If ticked, a mentor's edits to a published bio wait for an admin to publish.")),
                        ('data_retention_months', models.PositiveSmallIntegerField(default=24, help_text='Accounts inactive for longer are anonymised.')),
                        ('email_retention_days', models.PositiveSmallIntegerField(default=30, help_text='Days the text of a sent email is kept (to send it again if it failed). After that only who it went to, what kind it was and when are kept.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(365)])),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'verbose_name': 'scheme settings',
                        'verbose_name_plural': 'scheme settings',
                        'db_table': 'requests_app_schemesettings',
                        'constraints': [models.CheckConstraint(condition=models.Q(('pk', 1)), name='scheme_settings_single_row')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
