"""People, units, agents and the lookup items that make their keys unique.

Key formats
    Person          PK=PERSON#<person_id>     SK=PROFILE
    PersonIdNumber  PK=IDNUM#<hmac(id)>       SK=IDNUM        (uniqueness of ID type + number)
    Unit            PK=UNIT#<credit_code>     SK=PROFILE
    Agent           PK=UNIT#<credit_code>     SK=AGENT#<agent_id>
    AgentIdNumber   PK=UNIT#<credit_code>     SK=AGENTIDNUM#<hmac(id)>  (an agent's ID number: unique
                                                                     per unit, found by GetItem)
    AgentPhone      PK=UNIT#<credit_code>     SK=AGENTPHONE#<hmac(phone)>  (an agent's phone: unique per
                                                                     unit; agents sign in by phone)
    RegionBureau    PK=REGION#<city_code>     SK=HRBUREAU     (city HR bureau of a region)
    DevLogin        PK=DEVLOGIN#<login>       SK=DEVLOGIN     (local stage only: demo logins)
"""
from pynamodb.attributes import (BooleanAttribute, MapAttribute, NumberAttribute,
                                 UnicodeAttribute, VersionAttribute)

from chalicelib.models.base import Entity

UNIT_KIND_UNIT = "unit"
UNIT_KIND_CITY_BUREAU = "city_bureau"
UNIT_KIND_PROVINCE = "province"


class Person(Entity, discriminator="Person"):
    person_id = UnicodeAttribute()
    name = UnicodeAttribute()
    former_name = UnicodeAttribute(null=True)
    id_type = UnicodeAttribute()
    id_number = UnicodeAttribute()
    phone = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    @staticmethod
    def key(person_id: str):
        return f"PERSON#{person_id}", "PROFILE"


class PersonIdNumber(Entity, discriminator="PersonIdNumber"):
    person_id = UnicodeAttribute()

    @staticmethod
    def key(id_hash: str):
        return f"IDNUM#{id_hash}", "IDNUM"


class ReportingInfo(MapAttribute):
    """人才分类定级报送信息: who at the unit answers for the unit's declarations."""
    contact_name = UnicodeAttribute(null=True)
    contact_phone = UnicodeAttribute(null=True)
    contact_post = UnicodeAttribute(null=True)
    office_address = UnicodeAttribute(null=True)
    personnel_authority = UnicodeAttribute(null=True)


class Unit(Entity, discriminator="Unit"):
    credit_code = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute(default=UNIT_KIND_UNIT)
    region_code = UnicodeAttribute()
    unit_type = UnicodeAttribute(null=True)
    industry = UnicodeAttribute(null=True)
    address = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    superior_code = UnicodeAttribute(null=True)
    superior_name = UnicodeAttribute(null=True)
    superior_status = UnicodeAttribute(null=True)     # pending | approved (None: not bound)
    superior_request = UnicodeAttribute(null=True)    # id of the pending/approved request
    reporting_info = ReportingInfo(null=True)
    reporting_complete = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    @staticmethod
    def key(credit_code: str):
        return f"UNIT#{credit_code}", "PROFILE"


class Agent(Entity, discriminator="Agent"):
    unit_code = UnicodeAttribute()
    agent_id = UnicodeAttribute()
    name = UnicodeAttribute()
    phone = UnicodeAttribute()
    id_number = UnicodeAttribute(null=True)      # 居民身份证, NFKC-normalised and checked
    is_legal = BooleanAttribute(default=False)
    active = BooleanAttribute(default=True)
    created_by = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    @staticmethod
    def key(unit_code: str, agent_id: str):
        return f"UNIT#{unit_code}", f"AGENT#{agent_id}"


class AgentIdNumber(Entity, discriminator="AgentIdNumber"):
    """Index item: the agent of a unit holding an ID number (its keyed hash, never the number)."""
    agent_id = UnicodeAttribute()

    @staticmethod
    def key(unit_code: str, id_hash: str):
        return f"UNIT#{unit_code}", f"AGENTIDNUM#{id_hash}"


class AgentPhone(Entity, discriminator="AgentPhone"):
    """Index item: the agent of a unit holding a phone number (its keyed hash, never the number).
    Held while the agent is listed, enabled or not, as AgentIdNumber is."""
    agent_id = UnicodeAttribute()

    @staticmethod
    def key(unit_code: str, phone_hash: str):
        return f"UNIT#{unit_code}", f"AGENTPHONE#{phone_hash}"


class RegionBureau(Entity, discriminator="RegionBureau"):
    credit_code = UnicodeAttribute()
    name = UnicodeAttribute()

    @staticmethod
    def key(city_code: str):
        return f"REGION#{city_code}", "HRBUREAU"


class DevLogin(Entity, discriminator="DevLogin"):
    login = UnicodeAttribute()
    role = UnicodeAttribute()
    subject = UnicodeAttribute()
    display_name = UnicodeAttribute()
    unit_code = UnicodeAttribute(null=True)
    is_legal = BooleanAttribute(default=False)
    sort = NumberAttribute(default=0)

    @staticmethod
    def key(login: str):
        return f"DEVLOGIN#{login}", "DEVLOGIN"
