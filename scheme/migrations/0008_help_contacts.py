from django.db import migrations, models

# Where to get help now, as the scheme starts. Admins change, add or remove them; this
# runs once, so a contact an admin removed never comes back.
DEFAULT_CONTACTS = [
    {
        "name": "NHS 111",
        "description": (
            "Urgent medical help, including for your mental health, any time of day or night."
        ),
        "phone": "111",
        "web_address": "https://111.nhs.uk/",
        "position": 10,
    },
    {
        "name": "Samaritans",
        "description": (
            "Someone to talk to, free and in confidence, whatever you are going through, "
            "24 hours a day."
        ),
        "phone": "116 123",
        "web_address": "https://www.samaritans.org/",
        "position": 20,
    },
    {
        "name": "NHS Practitioner Health",
        "description": (
            "A free, confidential service for doctors and other health professionals with "
            "mental health concerns or addictions."
        ),
        "phone": "0300 0303 300",
        "web_address": "https://www.practitionerhealth.nhs.uk/",
        "position": 30,
    },
]


def add_default_contacts(apps, schema_editor):
    HelpContact = apps.get_model("scheme", "HelpContact")
    HelpContact.objects.bulk_create(HelpContact(**contact) for contact in DEFAULT_CONTACTS)


class Migration(migrations.Migration):
    dependencies = [
        ("scheme", "0007_training_required"),
    ]

    operations = [
        migrations.AlterField(
            model_name="schemesettings",
            name="bio_submission_deadline",
            field=models.DateField(
                blank=True,
                help_text=(
                    "Last day mentors can send in a bio through the public form; the form "
                    "closes after it. Blank: the form stays open. A past date closes it."
                ),
                null=True,
            ),
        ),
        migrations.CreateModel(
            name="HelpContact",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="As people know it, such as Samaritans.", max_length=100
                    ),
                ),
                (
                    "description",
                    models.CharField(
                        help_text="One sentence: who it is for and what it offers.",
                        max_length=300,
                    ),
                ),
                (
                    "phone",
                    models.CharField(
                        blank=True,
                        help_text="As people dial it, such as 116 123. May be blank.",
                        max_length=30,
                    ),
                ),
                (
                    "web_address",
                    models.URLField(blank=True, help_text="Its website. May be blank."),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(
                        default=0, help_text="Contacts are listed in this order, then by name."
                    ),
                ),
            ],
            options={
                "ordering": ["position", "name"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("phone", ""), _negated=True),
                            models.Q(("web_address", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="help_contact_can_be_reached",
                    )
                ],
            },
        ),
        migrations.RunPython(add_default_contacts, migrations.RunPython.noop),
    ]
