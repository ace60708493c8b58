#!/usr/bin/env python3
"""Regenerate the generated CSVs of testdata/objects:

  bad/<Type>.csv, bad/expect.json, bad/agents.csv
  users-5000.csv, users-5001.csv, agents-5000-split/*.csv

    python3 testdata/objects/generate.py

Each bad row is written next to its expectation below, so the row numbers
in expect.json cannot drift from the CSVs. The tenant/ CSVs are written by
hand; make-tenant-zip.py rebuilds the WAVs and tenant.zip.

expect.json is an array, one entry per data row of each bad/ CSV (row: the
1-based data row, header not counted):
  {"file", "row", "ok": true}                        the row imports
  {"file", "row", "column", "contains"[, "suggest"]} the row fails; its message
      names column (`column "X": ...`; "" when the row fails only because
      another row of its multi-row object failed, or as a whole) and holds
      contains; suggest, when given, is the did-you-mean the message offers.
"""
import csv
import io
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = os.path.join(HERE, "bad")

HEADERS = {
    "Worktype": ["Name", "Description", "Type"],
    "MultimediaProfile": ["Name", "Description", "Type", "Voice", "Chat", "Email", "Social"],
    "Site": ["Name", "Multimedia Profile"],
    "SkillDefinition": ["Name", "Description", "Service Level Threshold", "Type", "List Values For Enum"],
    "SkillProfile": ["Name", "Description", "Skill Name", "Skill Values", "Delete"],
    "AuxiliaryCode": ["Name", "Description", "Default", "Work Type"],
    "Team": ["Name", "Site", "Type", "Multimedia Profile", "Skill Profile", "DN", "Capacity", "Desktop Layout"],
    "OutdialQueue": ["Name", "Description", "Timezone", "Default Music in Queue", "Group Teams"],
    "Queue": ["Name", "Description", "Channel Type", "Max Time In Queue", "Service Level Threshold", "Timezone",
              "Permit Monitoring", "Permit Recording", "Record All Calls", "Pause or Resume Enabled",
              "Recording Pause Duration", "Default Music in Queue", "Routing Type", "Skill-Based Agent Selection",
              "Distribution Group", "Distribution Group Seq", "Group Fallback Time", "Group Teams"],
    "OutdialEntryPoint": ["Name", "Description", "Service Level Threshold", "Timezone", "Outdial Queue"],
    "EntryPoint": ["Name", "Description", "Service Level Threshold", "Timezone", "Channel Type",
                   "Social Channel Type", "Asset Name"],
    "DNtoEPMapping": ["Dialed Number", "Entry Point", "Region"],
    "AddressBook": ["Name", "Description", "Parent Type", "Site", "Entry Name", "Phone Number"],
    "OutdialANI": ["Name", "Description", "Entry Name", "Entry Number"],
    "AgentProfile": ["Name", "Description", "Parent Site", "Wrap Up Type", "Auto Wrap Up Time", "Wrap Up Options",
                     "Wrap Up Codes", "Idle Options", "Idle Codes", "Transfer Options", "Transfer Targets",
                     "Buddy Team Option", "Buddy Teams", "Queue Statistics Option", "Selected Queues",
                     "Team Statistics Option", "Selected Teams", "Outdial Enabled", "Consult To Queue",
                     "Screen Popups", "Agent Statistics", "Outdial EP", "Address Book", "Outdial ANI",
                     "DN Validation Option", "Validation Criteria"],
    "UserProfile": ["Name", "Description", "Profile Type", "Entry Points Access", "Sites Access", "Queues Access",
                    "Teams Access", "Entry Points", "Sites", "Queues", "Teams"],
    "User": ["Email", "User Profile", "Contact Center Enabled", "Site", "Teams", "Skill Profile", "Agent Profile",
             "Multimedia Profile", "External Id", "Default DN"],
}

AGENTS_HEADER = ["Email", "Full Name", "Internal Extension", "External Phone", "Ring Groups", "Agent Activation",
                 "ACD Login", "Team", "Roles"]


def long(n, stem="Long"):
    """A text of exactly n characters, starting with stem."""
    s = stem + " " + "x" * n
    return s[:n]


class File:
    def __init__(self, typ):
        self.typ = typ
        self.name = typ + ".csv"
        self.header = HEADERS[typ]
        self.rows = []
        self.expect = []

    def _add(self, cells, exp):
        self.rows.append(cells)
        e = {"file": self.name, "row": len(self.rows)}
        e.update(exp)
        self.expect.append(e)

    def cells(self, values):
        unknown = set(values) - set(self.header)
        assert not unknown, (self.typ, unknown)
        return [values.get(h, "") for h in self.header]

    def ok(self, **values):
        self._add(self.cells(_keys(values)), {"ok": True})

    def bad(self, column, contains, suggest=None, **values):
        exp = {"column": column, "contains": contains}
        if suggest:
            exp["suggest"] = suggest
        self._add(self.cells(_keys(values)), exp)

    def raw(self, cells, column, contains):
        """A row given as raw cells (a wrong cell count)."""
        self._add(cells, {"column": column, "contains": contains})

    def obj(self, rows):
        """A multi-row object: rows are (expectation, values) pairs where
        expectation is None (the row is fine but fails with its object),
        "ok" (the whole object imports), or (column, contains[, suggest])."""
        for exp, values in rows:
            if exp == "ok":
                self._add(self.cells(_keys(values)), {"ok": True})
            elif exp is None:
                key = self.header[0]
                first = _keys(rows[0][1])[key]
                self._add(self.cells(_keys(values)), {"column": "", "contains": first})
            else:
                e = {"column": exp[0], "contains": exp[1]}
                if len(exp) > 2:
                    e["suggest"] = exp[2]
                self._add(self.cells(_keys(values)), e)

    def write(self, folder):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(self.header)
        w.writerows(self.rows)
        with open(os.path.join(folder, self.name), "w", encoding="utf-8", newline="") as f:
            f.write(buf.getvalue())


# Python names cannot hold spaces or dashes: Group_Teams, Skill_Based_Agent_Selection.
SPECIAL = {"Skill_Based_Agent_Selection": "Skill-Based Agent Selection", "DN_to_EP": "DN to EP"}


def _keys(values):
    out = {}
    for k, v in values.items():
        out[SPECIAL.get(k, k.replace("_", " "))] = v
    return out


def V(**kw):
    return kw


# ---------------------------------------------------------------- the files

def worktype():
    f = File("Worktype")
    f.ok(Name="Outbound Wrap-up", Description="Outcomes of outbound calls", Type="WRAP_UP_CODE")
    f.ok(Name=" Quiet Time ", Type="idle_code")  # trimmed; an enum in any case
    f.bad("Name", "Name", Description="A work type without a name", Type="IDLE_CODE")
    f.bad("Type", "Type", Name="Research")
    f.bad("Type", "WRAPUP", Name="Chat Wrap-up", Type="WRAPUP")
    f.bad("Name", "Worktype name that is far too long", Name=long(81, "Worktype name that is far too long"),
          Type="IDLE_CODE")
    f.bad("Description", "A description of 256", Name="Verbose Work", Type="IDLE_CODE",
          Description=long(256, "A description of 256"))
    f.bad("Name", "Outbound Wrap-up", Name="Outbound Wrap-up", Description="again", Type="WRAP_UP_CODE")
    return f


def multimedia_profile():
    f = File("MultimediaProfile")
    f.ok(Name="Chat Heavy", Type="BLENDED", Voice="1", Chat="5", Email="1", Social="1")
    f.ok(Name="Email Desk", Description="Email only", Type="exclusive", Voice="0", Chat="0", Email="5", Social="0")
    f.bad("Voice", "Voice", Name="Two Voices", Type="BLENDED", Voice="2", Chat="1", Email="1", Social="1")
    f.bad("Chat", "-1", Name="Negative Chat", Type="BLENDED", Voice="1", Chat="-1", Email="1", Social="1")
    f.bad("Email", "three", Name="Wordy Email", Type="BLENDED", Voice="1", Chat="1", Email="three", Social="1")
    f.bad("Social", "Social", Name="Too Social", Type="BLENDED", Voice="1", Chat="1", Email="1", Social="6")
    f.bad("Voice", "1.5", Name="Half Voice", Type="BLENDED", Voice="1.5", Chat="1", Email="1", Social="1")
    f.bad("Type", "HYBRID", Name="Hybrid", Type="HYBRID", Voice="1", Chat="1", Email="1", Social="1")
    f.bad("Social", "Social", Name="No Social", Type="BLENDED", Voice="1", Chat="1", Email="1")
    f.bad("Name", "Chat Heavy", Name="Chat Heavy", Type="BLENDED", Voice="1", Chat="2", Email="2", Social="2")
    return f


def site():
    f = File("Site")
    f.ok(Name="Berlin", Multimedia_Profile="Voice Only")
    f.ok(Name="Tokyo_2", Multimedia_Profile="blended digital")  # references ignore case
    f.bad("Name", "Paris/Nord", Name="Paris/Nord", Multimedia_Profile="Voice Only")
    f.bad("Multimedia Profile", "Multimedia Profile", Name="Madrid")
    f.bad("Multimedia Profile", "Voice Onyl", "Voice Only", Name="Dublin", Multimedia_Profile="Voice Onyl")
    f.bad("Name", "Site name that is far too long", Name=long(81, "Site name that is far too long"),
          Multimedia_Profile="Voice Only")
    f.raw(["Rome", "Voice Only", "surplus"], "", "columns")
    f.bad("Name", "Berlin", Name="Berlin", Multimedia_Profile="Blended Digital")
    return f


def skill_definition():
    f = File("SkillDefinition")
    f.ok(Name="Channel Preference", Service_Level_Threshold="30", Type="ENUM",
         List_Values_For_Enum="Voice | Chat | Email")
    f.ok(Name="Typing Speed", Description="Words a minute, as a level", Service_Level_Threshold="0",
         Type="PROFICIENCY")
    f.bad("Name", "1st Line", Name="1st Line", Service_Level_Threshold="30", Type="BOOLEAN")
    f.bad("Service Level Threshold", "-5", Name="Negative Wait", Service_Level_Threshold="-5", Type="TEXT")
    f.bad("Service Level Threshold", "30s", Name="Seconds Suffix", Service_Level_Threshold="30s", Type="TEXT")
    f.bad("Type", "NUMBER", Name="Age", Service_Level_Threshold="30", Type="NUMBER")
    f.bad("List Values For Enum", "List Values For Enum", Name="Tier", Service_Level_Threshold="30", Type="ENUM")
    f.bad("List Values For Enum", "List Values For Enum", Name="Certified", Service_Level_Threshold="30",
          Type="BOOLEAN", List_Values_For_Enum="Yes|No")
    f.bad("List Values For Enum", "Early||Late", Name="Shift", Service_Level_Threshold="30", Type="ENUM",
          List_Values_For_Enum="Early||Late")
    f.bad("List Values For Enum", "An enum value that is far too long", Name="Long Enum",
          Service_Level_Threshold="30", Type="ENUM",
          List_Values_For_Enum="Short|" + long(81, "An enum value that is far too long"))
    f.bad("List Values For Enum", "Gold", Name="Medal", Service_Level_Threshold="30", Type="ENUM",
          List_Values_For_Enum="Gold|Silver|Gold")
    # a fixed column: Product Knowledge is a PROFICIENCY skill of the tenant set
    f.bad("Type", "TEXT", Name="Product Knowledge", Service_Level_Threshold="60", Type="TEXT")
    f.bad("Name", "Channel Preference", Name="Channel Preference", Service_Level_Threshold="30", Type="ENUM",
          List_Values_For_Enum="Voice|Chat")
    return f


def skill_profile():
    f = File("SkillProfile")
    f.obj([("ok", V(Name="Chat Specialist", Description="Chat first", Skill_Name="Language", Skill_Values="English")),
           ("ok", V(Name="Chat Specialist", Skill_Name="Product Knowledge", Skill_Values="7", Delete="No"))])
    f.obj([("ok", V(Name="VIP Handler", Skill_Name="VIP Certified", Skill_Values="True")),
           ("ok", V(Name="VIP Handler", Skill_Name="Language", Skill_Values="portuguese")),  # ENUM in any case
           ("ok", V(Name="VIP Handler", Skill_Name="Notes", Skill_Values=long(100, "Exactly one hundred characters")))])
    # an update of the tenant's Support Basic that removes one of its skills
    f.obj([("ok", V(Name="Support Basic", Skill_Name="Product Knowledge", Skill_Values="5", Delete="Yes"))])
    # wrong-type values, each failing its whole object
    f.obj([(("Skill Values", "11"), V(Name="Overqualified", Skill_Name="Product Knowledge", Skill_Values="11")),
           (None, V(Name="Overqualified", Skill_Name="Language", Skill_Values="French"))])
    f.obj([(("Skill Values", "high"), V(Name="Fuzzy Level", Skill_Name="Product Knowledge", Skill_Values="high"))])
    f.obj([(None, V(Name="Maybe VIP", Skill_Name="Language", Skill_Values="English")),
           (("Skill Values", "Maybe"), V(Name="Maybe VIP", Skill_Name="VIP Certified", Skill_Values="Maybe"))])
    f.obj([(("Skill Values", "German"), V(Name="Polyglot", Skill_Name="Language", Skill_Values="German")),
           (None, V(Name="Polyglot", Skill_Name="Region", Skill_Values="Europe"))])
    f.obj([(("Skill Values", "A note of 101 characters"),
            V(Name="Verbose Notes", Skill_Name="Notes", Skill_Values=long(101, "A note of 101 characters")))])
    # a reference to a missing skill, a near miss of Language
    f.obj([(None, V(Name="Lingo", Skill_Name="Product Knowledge", Skill_Values="3")),
           (("Skill Name", "Langauge", "Language"), V(Name="Lingo", Skill_Name="Langauge", Skill_Values="English"))])
    # the same skill twice in one profile
    f.obj([(None, V(Name="Double Skill", Skill_Name="Language", Skill_Values="English")),
           (("Skill Name", "Language"), V(Name="Double Skill", Skill_Name="Language", Skill_Values="French"))])
    # a later row repeating an own column with another value
    f.obj([(None, V(Name="Mixed Description", Description="First", Skill_Name="Language", Skill_Values="English")),
           (("Description", "Second"),
            V(Name="Mixed Description", Description="Second", Skill_Name="Product Knowledge", Skill_Values="3"))])
    # a child row without its value
    f.obj([(None, V(Name="Half Filled", Skill_Name="Language", Skill_Values="English")),
           (("Skill Values", "Skill Values"), V(Name="Half Filled", Skill_Name="VIP Certified"))])
    f.obj([(("Delete", "perhaps"), V(Name="Deleter", Skill_Name="Language", Skill_Values="English", Delete="perhaps"))])
    # Delete on a profile that does not exist yet
    f.obj([(("Delete", "Delete"), V(Name="Fresh Delete", Skill_Name="Language", Skill_Values="English", Delete="Yes"))])
    # a profile without any skill
    f.obj([(("Skill Name", "Skill Name"), V(Name="Empty Profile", Description="no skills"))])
    # rows of one key that are not consecutive: both runs fail
    f.obj([(("Name", "Split Profile"), V(Name="Split Profile", Skill_Name="Language", Skill_Values="English"))])
    f.obj([("ok", V(Name="Region Only", Skill_Name="Region", Skill_Values="Europe"))])
    f.obj([(("Name", "Split Profile"), V(Name="Split Profile", Skill_Name="Region", Skill_Values="Europe"))])
    return f


def auxiliary_code():
    f = File("AuxiliaryCode")
    f.ok(Name="Outbound Sale", Default="OFF", Work_Type="Sales Wrap-up")
    f.ok(Name="Gym", Description="Company gym", Default="no", Work_Type="breaks")
    f.ok(Name="Wrong Number", Default="false", Work_Type="Default Wrapup Work Type")
    f.bad("Default", "maybe", Name="Nap", Default="maybe", Work_Type="Breaks")
    f.bad("Default", "Default", Name="Stretch", Work_Type="Breaks")
    f.bad("Work Type", "Braeks", "Breaks", Name="Walk", Default="OFF", Work_Type="Braeks")
    f.bad("Work Type", "Work Type", Name="Smoke Break", Default="OFF")
    # Back Office already has its default (Training, ON in the tenant set), not set OFF here
    f.bad("Default", "Back Office", Name="Siesta", Default="ON", Work_Type="Back Office")
    f.bad("Description", "An aux code description", Name="Chatty", Default="OFF", Work_Type="Breaks",
          Description=long(300, "An aux code description"))
    f.bad("Name", "Gym", Name="Gym", Default="OFF", Work_Type="Breaks")
    return f


def team():
    f = File("Team")
    f.ok(Name="Inside Sales", Site="London", Type="AGENT", Multimedia_Profile="Blended Digital",
         Skill_Profile="Sales Senior", Desktop_Layout="Sales Desktop")
    f.ok(Name="Callback Pool", Site="New York", Type="capacity", DN="+1(212)555-0142", Capacity="10")
    f.ok(Name="Inside Sales", Site="New York", Type="AGENT")  # the same name in another site
    f.ok(Name="Night Shift", Site="São Paulo", Type="AGENT", Desktop_Layout=long(120, "Any layout name, kept as given"))
    f.bad("Site", "Londn", "London", Name="Night Owls", Site="Londn", Type="AGENT")
    f.bad("Type", "HYBRID", Name="Hybrid Team", Site="London", Type="HYBRID")
    f.bad("DN", "DN", Name="Overflow East", Site="New York", Type="CAPACITY", Capacity="5")
    f.bad("Capacity", "Capacity", Name="Overflow West", Site="New York", Type="CAPACITY", DN="+12125550143")
    f.bad("Capacity", "Capacity", Name="Overflow Zero", Site="New York", Type="CAPACITY", DN="+12125550144",
          Capacity="0")
    f.bad("Capacity", "ten", Name="Overflow Ten", Site="New York", Type="CAPACITY", DN="+12125550145",
          Capacity="ten")
    f.bad("DN", "555-CALL", Name="Overflow Letters", Site="New York", Type="CAPACITY", DN="555-CALL", Capacity="2")
    f.bad("DN", "DN", Name="Agents With DN", Site="London", Type="AGENT", DN="+442079460999")
    f.bad("Capacity", "Capacity", Name="Agents With Capacity", Site="London", Type="AGENT", Capacity="3")
    f.bad("Skill Profile", "Skill Profile", Name="Capacity With Skills", Site="New York", Type="CAPACITY",
          Skill_Profile="Sales Senior", DN="+12125550146", Capacity="4")
    f.bad("Multimedia Profile", "Multimedia Profile", Name="Capacity With Media", Site="New York", Type="CAPACITY",
          Multimedia_Profile="Voice Only", DN="+12125550147", Capacity="4")
    f.bad("Skill Profile", "Sales Senoir", "Sales Senior", Name="Junior Sales", Site="London", Type="AGENT",
          Skill_Profile="Sales Senoir")
    f.bad("Site", "Site", Name="Homeless", Type="AGENT")
    # a fixed column: the tenant's Support (London) is an AGENT team
    f.bad("Type", "CAPACITY", Name="Support", Site="London", Type="CAPACITY", DN="+442079460998", Capacity="5")
    f.bad("Name", "Inside Sales", Name="Inside Sales", Site="London", Type="AGENT")
    return f


def outdial_queue():
    f = File("OutdialQueue")
    f.ok(Name="Outbound Retention", Timezone="Europe/London", Default_Music_in_Queue="welcome.wav",
         Group_Teams="Retention")
    f.ok(Name="Outbound Escalations", Description="Escalation callbacks", Group_Teams="Escalations | Support")
    f.bad("Timezone", "Europe/Londn", Name="Outbound Typo Zone", Timezone="Europe/Londn", Group_Teams="Retention")
    f.bad("Timezone", "Mars/Olympus", Name="Outbound Mars", Timezone="Mars/Olympus", Group_Teams="Retention")
    f.bad("Default Music in Queue", "hold-music.mp3", Name="Outbound MP3", Default_Music_in_Queue="hold-music.mp3",
          Group_Teams="Retention")
    f.bad("Default Music in Queue", "holdmusic.wav", "hold-music.wav", Name="Outbound Missing Music",
          Default_Music_in_Queue="holdmusic.wav", Group_Teams="Retention")
    f.bad("Group Teams", "Group Teams", Name="Outbound Nobody")
    f.bad("Group Teams", "Retension", "Retention", Name="Outbound Near Miss", Group_Teams="Support|Retension")
    f.bad("Group Teams", "Sales", Name="Outbound Ambiguous", Group_Teams="Sales")  # Sales is in London and New York
    f.bad("Group Teams", "Support", Name="Outbound Twice", Group_Teams="Support|Retention|Support")
    f.bad("Description", "An outdial queue description", Name="Outbound Verbose", Group_Teams="Support",
          Description=long(256, "An outdial queue description"))
    f.bad("Name", "Outbound Retention", Name="Outbound Retention", Group_Teams="Support")
    return f


TEL = dict(Channel_Type="TELEPHONY", Max_Time_In_Queue="600", Service_Level_Threshold="30",
           Permit_Monitoring="ON", Permit_Recording="ON", Record_All_Calls="OFF", Pause_or_Resume_Enabled="OFF",
           Routing_Type="LONGEST_AVAILABLE_AGENT")


def q(name, **kw):
    """A telephony queue's first row, with kw overriding."""
    v = dict(TEL)
    v["Name"] = name
    v.update(kw)
    return {k: x for k, x in v.items() if x is not None}


def child(name, group, seq, teams, fallback=""):
    return V(Name=name, Distribution_Group=group, Distribution_Group_Seq=seq, Group_Fallback_Time=fallback,
             Group_Teams=teams)


def queue():
    f = File("Queue")
    f.obj([("ok", q("Retention Queue", Description="Win-back calls", Timezone="Europe/London",
                    Recording_Pause_Duration="10", Default_Music_in_Queue="hold-music.wav",
                    Distribution_Group="Main", Distribution_Group_Seq="1", Group_Teams="Retention")),
           ("ok", child("Retention Queue", "Backup", "2", "Sales: London|Escalations", "90"))])
    f.obj([("ok", V(Name="Chat Overflow", Channel_Type="CHAT", Max_Time_In_Queue="300", Service_Level_Threshold="60",
                    Routing_Type="circular", Distribution_Group="All", Distribution_Group_Seq="1",
                    Group_Teams="Support LatAm"))])
    # Seq must count 1, 2, ...
    f.obj([(None, q("Broken Seq", Distribution_Group="A", Distribution_Group_Seq="1", Group_Teams="Support")),
           (("Distribution Group Seq", "3"), child("Broken Seq", "B", "3", "Retention", "60"))])
    f.obj([(("Group Fallback Time", "Group Fallback Time"),
            q("Early Fallback", Distribution_Group="A", Distribution_Group_Seq="1", Group_Fallback_Time="30",
              Group_Teams="Support"))])
    f.obj([(None, q("No Fallback", Distribution_Group="A", Distribution_Group_Seq="1", Group_Teams="Support")),
           (("Group Fallback Time", "Group Fallback Time"), child("No Fallback", "B", "2", "Retention"))])
    # a three-group queue whose middle group names a missing team
    f.obj([(None, q("Three Tier", Distribution_Group="T1", Distribution_Group_Seq="1", Group_Teams="Support")),
           (("Group Teams", "Escalatoins", "Escalations"), child("Three Tier", "T2", "2", "Escalatoins", "60")),
           (None, child("Three Tier", "T3", "3", "Support LatAm", "120"))])
    f.obj([(("Permit Recording", "Permit Recording"),
            V(Name="Chat With Recording", Channel_Type="CHAT", Max_Time_In_Queue="300", Service_Level_Threshold="60",
              Permit_Recording="ON", Routing_Type="LINEAR", Distribution_Group="A", Distribution_Group_Seq="1",
              Group_Teams="Support"))])
    f.obj([(("Recording Pause Duration", "Recording Pause Duration"),
            V(Name="Email With Pause", Channel_Type="EMAIL", Max_Time_In_Queue="3600",
              Service_Level_Threshold="600", Recording_Pause_Duration="10", Routing_Type="LINEAR",
              Distribution_Group="A", Distribution_Group_Seq="1", Group_Teams="Support"))])
    f.obj([(("Permit Monitoring", "Permit Monitoring"),
            q("No Monitoring Flag", Permit_Monitoring=None, Distribution_Group="A", Distribution_Group_Seq="1",
              Group_Teams="Support"))])
    f.obj([(("Permit Monitoring", "sometimes"),
            q("Sometimes Monitored", Permit_Monitoring="sometimes", Distribution_Group="A",
              Distribution_Group_Seq="1", Group_Teams="Support"))])
    f.obj([(("Skill-Based Agent Selection", "Skill-Based Agent Selection"),
            q("Skills No Selection", Routing_Type="SKILLS_BASED", Distribution_Group="A",
              Distribution_Group_Seq="1", Group_Teams="Support"))])
    f.obj([(("Skill-Based Agent Selection", "Skill-Based Agent Selection"),
            q("Linear With Selection", Routing_Type="LINEAR", Skill_Based_Agent_Selection="BEST_AVAILABLE_AGENT",
              Distribution_Group="A", Distribution_Group_Seq="1", Group_Teams="Support"))])
    f.obj([(("Channel Type", "PHONE"),
            q("Phone Queue", Channel_Type="PHONE", Distribution_Group="A", Distribution_Group_Seq="1",
              Group_Teams="Support"))])
    f.obj([(("Routing Type", "ROUND_ROBIN"),
            q("Round Robin", Routing_Type="ROUND_ROBIN", Distribution_Group="A", Distribution_Group_Seq="1",
              Group_Teams="Support"))])
    f.obj([(("Max Time In Queue", "-1"),
            q("Negative Wait", Max_Time_In_Queue="-1", Distribution_Group="A", Distribution_Group_Seq="1",
              Group_Teams="Support"))])
    f.obj([(("Timezone", "Europe/Lisboa"),
            q("Lisbon Queue", Timezone="Europe/Lisboa", Distribution_Group="A", Distribution_Group_Seq="1",
              Group_Teams="Support"))])
    f.obj([(("Default Music in Queue", "hold.mp3"),
            q("MP3 Queue", Default_Music_in_Queue="hold.mp3", Distribution_Group="A", Distribution_Group_Seq="1",
              Group_Teams="Support"))])
    f.obj([(("Group Teams", "Sales: Londn", "Sales: London"),
            q("Scoped Typo", Distribution_Group="A", Distribution_Group_Seq="1", Group_Teams="Sales: Londn"))])
    f.obj([(("Group Teams", "Sales"),  # Sales is in London and New York: name one as Sales: London
            q("Unscoped Sales", Distribution_Group="A", Distribution_Group_Seq="1", Group_Teams="Sales"))])
    f.obj([(("Group Teams", "Sales:"),
            q("Empty Scope", Distribution_Group="A", Distribution_Group_Seq="1", Group_Teams="Sales:"))])
    f.obj([(("Group Teams", "Support||Retention"),
            q("Empty Item", Distribution_Group="A", Distribution_Group_Seq="1", Group_Teams="Support||Retention"))])
    f.obj([(None, q("Dup Groups", Distribution_Group="Main", Distribution_Group_Seq="1", Group_Teams="Support")),
           (("Distribution Group", "Main"), child("Dup Groups", "Main", "2", "Retention", "60"))])
    f.obj([(None, q("Missing Teams", Distribution_Group="A", Distribution_Group_Seq="1", Group_Teams="Support")),
           (("Group Teams", "Group Teams"), child("Missing Teams", "B", "2", "", "60"))])
    second = child("Changed Routing", "B", "2", "Retention", "60")
    second["Routing Type"] = "CIRCULAR"
    f.obj([(None, q("Changed Routing", Distribution_Group="A", Distribution_Group_Seq="1", Group_Teams="Support")),
           (("Routing Type", "CIRCULAR"), second)])
    f.obj([(("Name", "Split Queue"),
            q("Split Queue", Distribution_Group="A", Distribution_Group_Seq="1", Group_Teams="Support"))])
    f.obj([("ok", q("Between Queue", Distribution_Group="A", Distribution_Group_Seq="1", Group_Teams="Retention"))])
    f.obj([(("Name", "Split Queue"),
            q("Split Queue", Distribution_Group="A", Distribution_Group_Seq="1", Group_Teams="Support"))])
    return f


def outdial_entry_point():
    f = File("OutdialEntryPoint")
    f.ok(Name="Retention Outbound EP", Description="Win-back campaign", Service_Level_Threshold="20",
         Timezone="Europe/London", Outdial_Queue="Outbound Sales")
    f.ok(Name="NY Outbound", Service_Level_Threshold="15", Timezone="America/New_York",
         Outdial_Queue="outbound collections")
    f.bad("Outdial Queue", "Outbund Sales", "Outbound Sales", Name="Typo Outbound", Service_Level_Threshold="20",
          Timezone="Europe/London", Outdial_Queue="Outbund Sales")
    f.bad("Outdial Queue", "Outdial Queue", Name="Queueless Outbound", Service_Level_Threshold="20",
          Timezone="Europe/London")
    f.bad("Timezone", "Timezone", Name="Zoneless Outbound", Service_Level_Threshold="20",
          Outdial_Queue="Outbound Sales")
    f.bad("Timezone", "Local", Name="Local Outbound", Service_Level_Threshold="20", Timezone="Local",
          Outdial_Queue="Outbound Sales")
    f.bad("Service Level Threshold", "fast", Name="Fast Outbound", Service_Level_Threshold="fast",
          Timezone="Europe/London", Outdial_Queue="Outbound Sales")
    f.bad("Service Level Threshold", "99999999999", Name="Huge Outbound", Service_Level_Threshold="99999999999",
          Timezone="Europe/London", Outdial_Queue="Outbound Sales")
    f.bad("Name", "Outdial entry point name too long", Name=long(81, "Outdial entry point name too long"),
          Service_Level_Threshold="20", Timezone="Europe/London", Outdial_Queue="Outbound Sales")
    f.bad("Name", "NY Outbound", Name="NY Outbound", Service_Level_Threshold="15", Timezone="America/New_York",
          Outdial_Queue="Outbound Collections")
    return f


def entry_point():
    f = File("EntryPoint")
    f.ok(Name="Callback Line", Service_Level_Threshold="20", Timezone="Europe/London", Channel_Type="TELEPHONY")
    f.ok(Name="Messenger Care", Description="Facebook page", Service_Level_Threshold="60", Timezone="Europe/London",
         Channel_Type="social channel", Social_Channel_Type="facebook messenger", Asset_Name="FB Page UK")
    f.ok(Name="Apple Chat", Service_Level_Threshold="60", Timezone="America/New_York",
         Channel_Type="SOCIAL CHANNEL", Social_Channel_Type="APPLE BUSINESS CHAT", Asset_Name="Apple Business US")
    f.ok(Name="Google Messages", Service_Level_Threshold="60", Timezone="UTC", Channel_Type="SOCIAL CHANNEL",
         Social_Channel_Type="GOOGLE BUSINESS MESSAGES", Asset_Name="GBM Agent")
    f.bad("Name", "24h Line", Name="24h Line", Service_Level_Threshold="20", Timezone="UTC", Channel_Type="TELEPHONY")
    f.bad("Name", "Sales/Support", Name="Sales/Support", Service_Level_Threshold="20", Timezone="UTC",
          Channel_Type="TELEPHONY")
    f.bad("Social Channel Type", "Social Channel Type", Name="Social Without Type", Service_Level_Threshold="60",
          Timezone="UTC", Channel_Type="SOCIAL CHANNEL", Asset_Name="Some Asset")
    f.bad("Social Channel Type", "TELEGRAM", Name="Telegram Care", Service_Level_Threshold="60", Timezone="UTC",
          Channel_Type="SOCIAL CHANNEL", Social_Channel_Type="TELEGRAM", Asset_Name="TG Bot")
    f.bad("Social Channel Type", "Social Channel Type", Name="Chat With Social", Service_Level_Threshold="60",
          Timezone="UTC", Channel_Type="CHAT", Social_Channel_Type="SMS", Asset_Name="Chat Widget")
    f.bad("Asset Name", "Asset Name", Name="Phone With Asset", Service_Level_Threshold="20", Timezone="UTC",
          Channel_Type="TELEPHONY", Asset_Name="Some Asset")
    f.bad("Asset Name", "Asset Name", Name="Email Without Asset", Service_Level_Threshold="600", Timezone="UTC",
          Channel_Type="EMAIL")
    f.bad("Channel Type", "PHONE", Name="Phone Line", Service_Level_Threshold="20", Timezone="UTC",
          Channel_Type="PHONE")
    f.bad("Timezone", "America/NewYork", Name="Typo Zone", Service_Level_Threshold="20",
          Timezone="America/NewYork", Channel_Type="TELEPHONY")
    f.bad("Service Level Threshold", "-10", Name="Negative Line", Service_Level_Threshold="-10", Timezone="UTC",
          Channel_Type="TELEPHONY")
    f.bad("Asset Name", "An asset name that is far too long", Name="Long Asset", Service_Level_Threshold="60",
          Timezone="UTC", Channel_Type="CHAT", Asset_Name=long(81, "An asset name that is far too long"))
    f.bad("Name", "Callback Line", Name="Callback Line", Service_Level_Threshold="30", Timezone="UTC",
          Channel_Type="TELEPHONY")
    return f


def dn_to_ep():
    f = File("DNtoEPMapping")
    f.ok(Dialed_Number="+442071234599", Entry_Point="Main Line", Region="GB")
    f.ok(Dialed_Number="1-800-555-0177", Entry_Point="Sales & Offers", Region="us")
    f.ok(Dialed_Number="+5511955550100", Entry_Point="Main Line")
    f.bad("Dialed Number", "+44 20 7123 4567", Dialed_Number="+44 20 7123 4567", Entry_Point="Main Line")
    f.bad("Dialed Number", "++441234", Dialed_Number="++441234", Entry_Point="Main Line")
    f.bad("Dialed Number", "(212)555-0188", Dialed_Number="(212)555-0188", Entry_Point="Main Line")
    f.bad("Dialed Number", "+1234567890123456789012", Dialed_Number="+1234567890123456789012",
          Entry_Point="Main Line")
    f.bad("Entry Point", "Main Lnie", "Main Line", Dialed_Number="+442071234598", Entry_Point="Main Lnie")
    f.bad("Entry Point", "Entry Point", Dialed_Number="+442071234597")
    f.bad("Region", "GBR", Dialed_Number="+442071234596", Entry_Point="Main Line", Region="GBR")
    f.bad("Region", "G1", Dialed_Number="+442071234595", Entry_Point="Main Line", Region="G1")
    f.bad("Dialed Number", "Dialed Number", Entry_Point="Main Line", Region="GB")
    # the tenant's +1-212-555-0100, written without separators: mapped once
    f.bad("Dialed Number", "+12125550100", Dialed_Number="+12125550100", Entry_Point="Main Line", Region="US")
    f.bad("Dialed Number", "+442071234599", Dialed_Number="+442071234599", Entry_Point="Sales & Offers",
          Region="GB")
    return f


def address_book():
    f = File("AddressBook")
    f.obj([("ok", V(Name="NY Contacts", Description="New York numbers", Parent_Type="SITE", Site="New York",
                    Entry_Name="Front Desk", Phone_Number="+1(212)555-0160")),
           ("ok", V(Name="NY Contacts", Entry_Name="Security", Phone_Number="+1-212-555-0161"))])
    f.obj([("ok", V(Name="Vendors", Parent_Type="organization", Entry_Name="Acme Supplies",
                    Phone_Number="+44(0)20-7946-0111"))])
    f.obj([(("Site", "Site"), V(Name="Branch Book", Parent_Type="SITE", Entry_Name="Main",
                                Phone_Number="+15555550100"))])
    f.obj([(("Site", "Site"), V(Name="Org With Site", Parent_Type="ORGANIZATION", Site="London", Entry_Name="Main",
                                Phone_Number="+15555550101"))])
    f.obj([(("Parent Type", "REGION"), V(Name="Regional Book", Parent_Type="REGION", Entry_Name="Main",
                                         Phone_Number="+15555550102"))])
    f.obj([(("Site", "Londn", "London"), V(Name="Typo Site Book", Parent_Type="SITE", Site="Londn",
                                           Entry_Name="Main", Phone_Number="+442079460200")),
           (None, V(Name="Typo Site Book", Entry_Name="Backup", Phone_Number="+442079460201"))])
    f.obj([(None, V(Name="Field Team", Parent_Type="ORGANIZATION", Entry_Name="Van 1", Phone_Number="+447700900001")),
           (("Phone Number", "call me"), V(Name="Field Team", Entry_Name="Van 2", Phone_Number="call me")),
           (None, V(Name="Field Team", Entry_Name="Van 3", Phone_Number="+447700900003"))])
    f.obj([(None, V(Name="Dup Entries", Parent_Type="ORGANIZATION", Entry_Name="Desk", Phone_Number="+15555550103")),
           (("Entry Name", "Desk"), V(Name="Dup Entries", Entry_Name="Desk", Phone_Number="+15555550104"))])
    f.obj([(None, V(Name="No Number", Parent_Type="ORGANIZATION", Entry_Name="Desk", Phone_Number="+15555550105")),
           (("Phone Number", "Phone Number"), V(Name="No Number", Entry_Name="Lobby"))])
    f.obj([(("Phone Number", "x12"), V(Name="Extension Book", Parent_Type="ORGANIZATION", Entry_Name="Desk",
                                       Phone_Number="+1-212-555-0199 x12"))])
    f.obj([(("Entry Name", "An entry name that is far too long"),
            V(Name="Long Entry Book", Parent_Type="ORGANIZATION",
              Entry_Name=long(81, "An entry name that is far too long"), Phone_Number="+15555550106"))])
    # a fixed column: the tenant's Company Directory is an ORGANIZATION book
    f.obj([(("Parent Type", "SITE"), V(Name="Company Directory", Parent_Type="SITE", Site="London",
                                       Entry_Name="Head Office", Phone_Number="+44(20)7946-0000"))])
    f.obj([(None, V(Name="Mixed Parent", Parent_Type="ORGANIZATION", Entry_Name="Desk", Phone_Number="+15555550107")),
           (("Parent Type", "SITE"), V(Name="Mixed Parent", Parent_Type="SITE", Site="London", Entry_Name="Lobby",
                                       Phone_Number="+15555550108"))])
    return f


def outdial_ani():
    f = File("OutdialANI")
    f.obj([("ok", V(Name="Retention ANIs", Description="Caller IDs for win-back calls", Entry_Name="UK Retention",
                    Entry_Number="+442079460222")),
           ("ok", V(Name="Retention ANIs", Entry_Name="SIP Retention",
                    Entry_Number="sips:retention@sbc.example.com"))])
    f.obj([("ok", V(Name="Backup ANI", Entry_Name="Backup", Entry_Number="+1(212)555-0177"))])
    f.obj([(None, V(Name="Mixed ANIs", Entry_Name="Good", Entry_Number="+442079460223")),
           (("Entry Number", "not-a-number"), V(Name="Mixed ANIs", Entry_Name="Bad", Entry_Number="not-a-number"))])
    f.obj([(("Entry Number", "sip:agent"), V(Name="Hostless SIP", Entry_Name="SIP", Entry_Number="sip:agent"))])
    f.obj([(("Entry Number", "http://example.com/ani"),
            V(Name="Web ANI", Entry_Name="Web", Entry_Number="http://example.com/ani"))])
    f.obj([(("Entry Number", "Entry Number"), V(Name="Numberless ANI", Entry_Name="Nothing"))])
    f.obj([(("Entry Name", "Entry Name"), V(Name="Nameless ANI", Entry_Number="+442079460224"))])
    f.obj([(None, V(Name="Dup ANI Entries", Entry_Name="Main", Entry_Number="+442079460225")),
           (("Entry Name", "Main"), V(Name="Dup ANI Entries", Entry_Name="Main", Entry_Number="+442079460226"))])
    f.obj([(("Entry Number", "sip:a-very-long-user"),
            V(Name="Long SIP", Entry_Name="SIP",
              Entry_Number="sip:a-very-long-user" + "x" * 230 + "@example.com"))])
    f.obj([(("Description", "An ANI description"),
            V(Name="Verbose ANI", Description=long(256, "An ANI description"), Entry_Name="Main",
              Entry_Number="+442079460227"))])
    f.obj([(("Name", "Split ANI"), V(Name="Split ANI", Entry_Name="One", Entry_Number="+442079460228"))])
    f.obj([("ok", V(Name="Between ANI", Entry_Name="One", Entry_Number="+442079460229"))])
    f.obj([(("Name", "Split ANI"), V(Name="Split ANI", Entry_Name="Two", Entry_Number="+442079460230"))])
    return f


AP = dict(Wrap_Up_Type="MANUAL", Wrap_Up_Options="ALL", Idle_Options="ALL", Transfer_Options="ALL",
          Buddy_Team_Option="NONE", Queue_Statistics_Option="ALL", Team_Statistics_Option="NONE",
          Outdial_Enabled="OFF", Consult_To_Queue="ON", Screen_Popups="ON", Agent_Statistics="ON",
          DN_Validation_Option="UNRESTRICTED")


def ap(name, **kw):
    """A valid agent profile row, with kw overriding (None empties a cell)."""
    v = dict(AP)
    v["Name"] = name
    v.update(kw)
    return {k: x for k, x in v.items() if x is not None}


def agent_profile():
    f = File("AgentProfile")
    f.ok(**ap("Retention Agent", Description="Win-back team", Parent_Site="London"))
    f.ok(**ap("Night Agent", Wrap_Up_Type="auto", Auto_Wrap_Up_Time="15", Wrap_Up_Options="SPECIFIC",
              Wrap_Up_Codes="Issue Resolved", Idle_Options="SPECIFIC", Idle_Codes="Coffee Break|Meeting",
              Transfer_Options="SPECIFIC", Transfer_Targets="Chat Queue", Buddy_Team_Option="SPECIFIC",
              Buddy_Teams="Retention", Queue_Statistics_Option="SPECIFIC", Selected_Queues="Support Queue|Email Queue",
              Team_Statistics_Option="SPECIFIC", Selected_Teams="Escalations", Outdial_Enabled="yes",
              Outdial_EP="Outbound Sales EP", Address_Book="Partners", Outdial_ANI="Support ANI",
              DN_Validation_Option="VALIDATION CRITERIA", Validation_Criteria="^\\+1[0-9]{10}$"))
    f.bad("Auto Wrap Up Time", "Auto Wrap Up Time", **ap("Auto Without Time", Wrap_Up_Type="AUTO"))
    f.bad("Auto Wrap Up Time", "Auto Wrap Up Time", **ap("Manual With Time", Auto_Wrap_Up_Time="30"))
    f.bad("Wrap Up Type", "TIMED", **ap("Timed Wrap", Wrap_Up_Type="TIMED"))
    f.bad("Wrap Up Codes", "Wrap Up Codes", **ap("Specific Without Codes", Wrap_Up_Options="SPECIFIC"))
    f.bad("Wrap Up Codes", "Wrap Up Codes", **ap("All With Codes", Wrap_Up_Codes="Sale Closed"))
    f.bad("Wrap Up Options", "NONE", **ap("No Wrap Options", Wrap_Up_Options="NONE"))
    # codes of the wrong kind of work type
    f.bad("Wrap Up Codes", "Lunch", **ap("Idle As Wrap-up", Wrap_Up_Options="SPECIFIC",
                                          Wrap_Up_Codes="Sale Closed|Lunch"))
    f.bad("Idle Codes", "Sale Closed", **ap("Wrap-up As Idle", Idle_Options="SPECIFIC",
                                            Idle_Codes="Sale Closed"))
    f.bad("Wrap Up Codes", "Sale Closd", "Sale Closed", **ap("Typo Wrap Code", Wrap_Up_Options="SPECIFIC",
                                                              Wrap_Up_Codes="Sale Closd"))
    f.bad("Idle Codes", "Idle Codes", **ap("Specific Idle Without Codes", Idle_Options="SPECIFIC"))
    f.bad("Transfer Targets", "Suport Queue", "Support Queue",
          **ap("Typo Transfer", Transfer_Options="SPECIFIC", Transfer_Targets="Suport Queue"))
    f.bad("Transfer Options", "SOME", **ap("Some Transfers", Transfer_Options="SOME"))
    f.bad("Buddy Teams", "Sales", **ap("Ambiguous Buddies", Buddy_Team_Option="SPECIFIC", Buddy_Teams="Sales"))
    f.bad("Buddy Teams", "Buddy Teams", **ap("Buddies When None", Buddy_Teams="Support"))
    f.bad("Selected Teams", "Selected Teams", **ap("Selected Without Teams", Team_Statistics_Option="SPECIFIC"))
    f.bad("Selected Queues", "Selected Queues", **ap("Queues When None", Queue_Statistics_Option="NONE",
                                                     Selected_Queues="Sales Queue"))
    f.bad("Outdial EP", "Outdial EP", **ap("Outdial Without EP", Outdial_Enabled="ON"))
    f.bad("Outdial EP", "Outdial EP", **ap("EP Without Outdial", Outdial_EP="Outbound Sales EP"))
    f.bad("Outdial EP", "Outbund Sales EP", "Outbound Sales EP",
          **ap("Typo Outdial EP", Outdial_Enabled="ON", Outdial_EP="Outbund Sales EP"))
    f.bad("Consult To Queue", "maybe", **ap("Maybe Consult", Consult_To_Queue="maybe"))
    f.bad("Agent Statistics", "Agent Statistics", **ap("No Stats Flag", Agent_Statistics=None))
    f.bad("Validation Criteria", "Validation Criteria", **ap("Criteria Missing",
                                                             DN_Validation_Option="VALIDATION CRITERIA"))
    f.bad("Validation Criteria", "Validation Criteria", **ap("Criteria Unwanted", Validation_Criteria="^\\+44.*"))
    f.bad("DN Validation Option", "OPEN", **ap("Open Dialing", DN_Validation_Option="OPEN"))
    f.bad("Address Book", "Company Directroy", "Company Directory",
          **ap("Typo Address Book", Address_Book="Company Directroy"))
    f.bad("Outdial ANI", "Sale ANIs", "Sales ANIs", **ap("Typo ANI", Outdial_ANI="Sale ANIs"))
    f.bad("Parent Site", "Sao Paulo", "São Paulo", **ap("Accentless Site", Parent_Site="Sao Paulo"))
    f.bad("Name", "Retention Agent", **ap("Retention Agent"))
    return f


def user_profile():
    f = File("UserProfile")
    f.ok(Name="Regional Supervisors", Profile_Type="SUPERVISOR", Entry_Points_Access="SPECIFIC",
         Sites_Access="SPECIFIC", Queues_Access="ALL", Teams_Access="ALL", Entry_Points="Web Chat|WhatsApp Care",
         Sites="New York|São Paulo")
    f.ok(Name="Viewers", Description="Analyzer supervisors", Profile_Type="analyzer_supervisor",
         Entry_Points_Access="ALL", Sites_Access="ALL", Queues_Access="ALL", Teams_Access="ALL")
    f.ok(Name="Analyzer Admins", Profile_Type="ANALYZER_ADMINISTRATOR", Entry_Points_Access="NONE",
         Sites_Access="NONE", Queues_Access="NONE", Teams_Access="SPECIFIC", Teams="Escalations|Support LatAm")
    f.bad("Profile Type", "AGENT", Name="Plain Agents", Profile_Type="AGENT", Entry_Points_Access="ALL",
          Sites_Access="ALL", Queues_Access="ALL", Teams_Access="ALL")
    f.bad("Profile Type", "Profile Type", Name="Typeless", Entry_Points_Access="ALL", Sites_Access="ALL",
          Queues_Access="ALL", Teams_Access="ALL")
    f.bad("Sites", "Sites", Name="Specific Without Sites", Profile_Type="SUPERVISOR", Entry_Points_Access="ALL",
          Sites_Access="SPECIFIC", Queues_Access="ALL", Teams_Access="ALL")
    f.bad("Queues", "Queues", Name="None With Queues", Profile_Type="SUPERVISOR", Entry_Points_Access="ALL",
          Sites_Access="ALL", Queues_Access="NONE", Teams_Access="ALL", Queues="Sales Queue")
    f.bad("Entry Points", "Web Chta", "Web Chat", Name="Typo Entry Point", Profile_Type="SUPERVISOR",
          Entry_Points_Access="SPECIFIC", Sites_Access="ALL", Queues_Access="ALL", Teams_Access="ALL",
          Entry_Points="Main Line|Web Chta")
    f.bad("Sites", "London|", Name="Trailing Bar", Profile_Type="SUPERVISOR", Entry_Points_Access="ALL",
          Sites_Access="SPECIFIC", Queues_Access="ALL", Teams_Access="ALL", Sites="London|")
    f.bad("Teams", "Sales", Name="Ambiguous Teams", Profile_Type="SUPERVISOR", Entry_Points_Access="ALL",
          Sites_Access="ALL", Queues_Access="ALL", Teams_Access="SPECIFIC", Teams="Sales")
    f.bad("Teams", "Support", Name="Teams Twice", Profile_Type="SUPERVISOR", Entry_Points_Access="ALL",
          Sites_Access="ALL", Queues_Access="ALL", Teams_Access="SPECIFIC", Teams="Support|Retention|Support")
    f.bad("Teams Access", "SOME", Name="Some Teams", Profile_Type="SUPERVISOR", Entry_Points_Access="ALL",
          Sites_Access="ALL", Queues_Access="ALL", Teams_Access="SOME")
    f.bad("Name", "Viewers", Name="Viewers", Profile_Type="ANALYZER_USER", Entry_Points_Access="ALL",
          Sites_Access="ALL", Queues_Access="ALL", Teams_Access="ALL")
    return f


BAD_AGENTS = []  # emails of bad/User.csv that are agents (bad/agents.csv)


def user():
    f = File("User")

    def agent(email):
        BAD_AGENTS.append(email)
        return email

    on = dict(User_Profile="Standard Agents", Contact_Center_Enabled="ON", Site="London", Teams="Support",
              Agent_Profile="Support Agent")

    def u(email, **kw):
        v = dict(on)
        v["Email"] = agent(email)
        v.update(kw)
        return {k: x for k, x in v.items() if x is not None}

    f.ok(**u("gina.lopez@example.com", Teams="Support|Retention", Skill_Profile="Support Basic",
             Multimedia_Profile="Voice Only", External_Id="EMP-2001", Default_DN="+442079460301"))
    f.ok(**u("hank.moore@example.com", User_Profile="Premium Agents", Contact_Center_Enabled="yes",
             Site="New York", Teams="Escalations"))
    f.ok(Email=agent("ivy.chen@example.com"), User_Profile="Analysts", Contact_Center_Enabled="off",
         External_Id="AN-7")
    # alise is no agent of the tenant (alice is)
    f.bad("Email", "alise.archer@example.com", "alice.archer@example.com",
          User_Profile="Standard Agents", Contact_Center_Enabled="OFF", Email="alise.archer@example.com")
    f.bad("Email", "not-an-email", Email="not-an-email", User_Profile="Standard Agents", Contact_Center_Enabled="OFF")
    f.bad("Email", "Email", User_Profile="Standard Agents", Contact_Center_Enabled="OFF")
    f.bad("Contact Center Enabled", "maybe", Email=agent("jack.ng@example.com"), User_Profile="Standard Agents",
          Contact_Center_Enabled="maybe")
    f.bad("User Profile", "User Profile", Email=agent("kara.wolf@example.com"), Contact_Center_Enabled="OFF")
    f.bad("Site", "Site", **u("liam.ford@example.com", Site=None))
    f.bad("Teams", "Teams", **u("mia.park@example.com", Teams=None))
    f.bad("Agent Profile", "Agent Profile", **u("noah.diaz@example.com", Agent_Profile=None))
    f.bad("Site", "Site", Email=agent("olga.ivanova@example.com"), User_Profile="Analysts",
          Contact_Center_Enabled="OFF", Site="London")
    f.bad("Teams", "Teams", Email=agent("paul.roy@example.com"), User_Profile="Analysts",
          Contact_Center_Enabled="OFF", Teams="Support")
    f.bad("Agent Profile", "Agent Profile", Email=agent("quinn.lee@example.com"), User_Profile="Analysts",
          Contact_Center_Enabled="OFF", Agent_Profile="Support Agent")
    f.bad("Teams", "Overflow Partners", **u("rosa.mendez@example.com", Site="New York",
                                            Teams="Escalations|Overflow Partners"))  # a CAPACITY team
    f.bad("Teams", "Sales", **u("sam.taylor@example.com", Teams="Sales"))  # in London and New York
    f.bad("User Profile", "Standrd Agents", "Standard Agents", **u("tina.berg@example.com",
                                                                    User_Profile="Standrd Agents"))
    f.bad("Site", "New Yrok", "New York", **u("umar.shah@example.com", Site="New Yrok", Teams="Escalations"))
    f.bad("Skill Profile", "Support Basics", "Support Basic", **u("vera.nox@example.com",
                                                                   Skill_Profile="Support Basics"))
    f.bad("Multimedia Profile", "Voice Olny", "Voice Only", **u("will.hart@example.com",
                                                                 Multimedia_Profile="Voice Olny"))
    f.bad("Agent Profile", "Suport Agent", "Support Agent", **u("xena.ruiz@example.com",
                                                                 Agent_Profile="Suport Agent"))
    f.bad("Default DN", "ext. 123", **u("yuri.gold@example.com", Default_DN="ext. 123"))
    f.bad("External Id", "An external id that is far too long",
          **u("zoe.fox@example.com", External_Id=long(81, "An external id that is far too long")))
    f.bad("Email", "gina.lopez@example.com", **u("gina.lopez@example.com", Teams="Support"))
    return f


def agents_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(AGENTS_HEADER)
        w.writerows(rows)


def full_name(email):
    return " ".join(p.capitalize() for p in email.split("@")[0].split("."))


def main():
    files = [worktype(), multimedia_profile(), site(), skill_definition(), skill_profile(), auxiliary_code(),
             team(), outdial_queue(), queue(), outdial_entry_point(), entry_point(), dn_to_ep(), address_book(),
             outdial_ani(), agent_profile(), user_profile(), user()]
    os.makedirs(BAD, exist_ok=True)
    expect = []
    for f in files:
        f.write(BAD)
        expect.extend(f.expect)
    with open(os.path.join(BAD, "expect.json"), "w", encoding="utf-8") as fh:
        fh.write("[\n" + ",\n".join(json.dumps(e, ensure_ascii=False) for e in expect) + "\n]\n")
    seen = []
    for e in BAD_AGENTS:
        if e not in seen:
            seen.append(e)
    agents_csv(os.path.join(BAD, "agents.csv"),
               [[e, full_name(e), str(2001 + i), "", "", "true", "example\\" + e.split(".")[0], "", "agent"]
                for i, e in enumerate(seen)])

    # The large User files: Contact Center Enabled OFF, so only Email, User
    # Profile and Contact Center Enabled are needed.
    for n in (5000, 5001):
        with open(os.path.join(HERE, "users-%d.csv" % n), "w", encoding="utf-8", newline="") as fh:
            fh.write("Email,User Profile,Contact Center Enabled\n")
            for i in range(1, n + 1):
                fh.write("user%05d@example.com,Standard Agents,OFF\n" % i)
    # Their agents: the agents kind takes at most 1,000 rows a file, so five
    # files.
    split = os.path.join(HERE, "agents-5000-split")
    os.makedirs(split, exist_ok=True)
    for part in range(5):
        agents_csv(os.path.join(split, "AGENTS.users-%d.csv" % (part + 1)),
                   [["user%05d@example.com" % i, "User %05d" % i, "", "", "", "true", "", "", "agent"]
                    for i in range(part * 1000 + 1, part * 1000 + 1001)])


if __name__ == "__main__":
    main()
