"""Staff accounts of the back-office: users, grants, server-side sessions, refused sign-ins, passkeys."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('portal', '0007_privacy')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SignInFailure',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account_key', fields.CharField(db_index=True, max_length=64)),
                ('ip', fields.CharField(default='', db_index=True, max_length=45)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sign_in_failure', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'A refused sign-in, kept a short while to throttle per account and per IP.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffUser',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('practice', fields.ForeignKeyField('portal.Practice', source_field='practice_id', db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.RESTRICT)),
                ('practitioner', fields.ForeignKeyField('portal.Practitioner', source_field='practitioner_id', null=True, db_constraint=True, to_field='id', related_name='staff_accounts', on_delete=OnDelete.SET_NULL)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(default='', max_length=120)),
                ('role', fields.CharField(max_length=16)),
                ('password_hash', fields.CharField(default='', max_length=255)),
                ('totp_secret_sealed', fields.CharField(default='', max_length=255)),
                ('totp_last_step', fields.BigIntField(default=0)),
                ('totp_required', fields.BooleanField(default=False)),
                ('recovery_codes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('oidc_issuer', fields.CharField(null=True, max_length=255)),
                ('oidc_subject', fields.CharField(null=True, max_length=255)),
                ('disabled', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_sign_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff_user', 'app': 'portal', 'unique_together': (('oidc_issuer', 'oidc_subject'),), 'pk_attr': 'id', 'table_description': 'A person who signs in to /admin for one practice.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffGrant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff', fields.ForeignKeyField('portal.StaffUser', source_field='staff_id', db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.CASCADE)),
                ('practitioner', fields.ForeignKeyField('portal.Practitioner', source_field='practitioner_id', db_constraint=True, to_field='id', related_name='staff_grants', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'staff_grant', 'app': 'portal', 'unique_together': (('staff', 'practitioner'),), 'pk_attr': 'id', 'table_description': "An assistant may see this practitioner's agenda and patients."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffPasskey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff', fields.ForeignKeyField('portal.StaffUser', source_field='staff_id', db_constraint=True, to_field='id', related_name='passkeys', on_delete=OnDelete.CASCADE)),
                ('credential_id', fields.CharField(unique=True, max_length=1400)),
                ('public_key', fields.TextField(unique=False)),
                ('sign_count', fields.BigIntField(default=0)),
                ('name', fields.CharField(default='', max_length=60)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff_passkey', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'A passkey (WebAuthn credential) of a staff member: a phishing-resistant sign-in.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('staff', fields.ForeignKeyField('portal.StaffUser', source_field='staff_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('verified', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ip', fields.CharField(default='', max_length=45)),
            ],
            options={'table': 'staff_session', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'A signed-in browser. `verified` is false between the password and the second factor.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebAuthnChallenge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('challenge_hash', fields.CharField(unique=True, max_length=64)),
                ('purpose', fields.CharField(max_length=16)),
                ('staff', fields.ForeignKeyField('portal.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name='webauthn_challenges', on_delete=OnDelete.CASCADE)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webauthn_challenge', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'A challenge handed to a browser for a passkey ceremony, accepted once and briefly.'},
            bases=['Model'],
        ),
    ]
