//! Reminders to people: what kinds there are, when one may be sent (never at night), and their
//! texts in Norwegian or Danish by the municipality's country.

use crate::{municipality::Country, string_enum::string_enum};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};

string_enum! {
    /// What a notification is about; each person can opt out of each kind.
    pub enum NotificationKind {
        /// To a volunteer, before each planned visit (lead time: the municipality's
        /// `visit_reminder_hours`).
        VisitReminder => "visit_reminder",
        /// To coordinators: an approved volunteer's police certificate or dog approval runs out
        /// within the look-ahead window, or a declaration must be signed again.
        ExpiryWarning => "expiry_warning",
        /// To the person a follow-up is assigned to, once it is past its due date.
        FollowUpOverdue => "follow_up_overdue",
        /// To a volunteer or staff member registered for an event, before each session (lead
        /// time: the municipality's `visit_reminder_hours`, as for visits).
        EventReminder => "event_reminder",
    }
}

string_enum! {
    /// How a notification travels.
    pub enum Channel {
        /// Email, through the service's SMTP server.
        Email => "email",
        /// SMS (to people with a phone number and no email address).
        Sms => "sms",
    }
}

string_enum! {
    /// Where a notification stands. Every one is a row, so nothing is sent twice.
    pub enum NotificationStatus {
        /// Waiting for its time (`send_after`).
        Pending => "pending",
        /// Handed to the mail server (or SMS gateway).
        Sent => "sent",
        /// Could not be sent after its retries.
        Failed => "failed",
        /// Not sent, with the reason: opted out, no address, no longer relevant, email off.
        Skipped => "skipped",
    }
}

/// The first hour of the day at which notifications are sent (local time).
pub const DAY_STARTS: u32 = 8;
/// The hour from which no notification is sent until [`DAY_STARTS`] (local time).
pub const NIGHT_STARTS: u32 = 21;

/// Whether `at` falls in the night (21:00 to 08:00 in `zone`), when nothing is sent.
pub fn is_night<Tz: TimeZone>(zone: &Tz, at: DateTime<Utc>) -> bool {
    let hour = at.with_timezone(zone).hour();
    !(DAY_STARTS..NIGHT_STARTS).contains(&hour)
}

/// When a notification wanted at `wanted` may be sent, so that it is never sent at night and,
/// if it must arrive before `deadline` (a visit's start), still does: a time in the night moves
/// on to 08:00 if that is before the deadline, otherwise back to 20:59 the evening before (which
/// has passed when `wanted` is now: the caller then has no daytime moment left). `None` when
/// a daytime `wanted` is after the deadline.
pub fn send_time<Tz: TimeZone>(
    zone: &Tz,
    wanted: DateTime<Utc>,
    deadline: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    if !is_night(zone, wanted) {
        return Some(wanted).filter(|at| deadline.is_none_or(|d| *at < d));
    }
    let local = wanted.with_timezone(zone);
    let date = local.date_naive();
    // The morning that ends this night, and the evening that began it.
    let (morning, evening) = if local.hour() >= NIGHT_STARTS {
        (date + Days::new(1), date)
    } else {
        (date, date - Days::new(1))
    };
    let at = |day: NaiveDate, hour: u32, minute: u32| {
        NaiveTime::from_hms_opt(hour, minute, 0)
            .map(|time| crate::schedule::local_instant(zone, day, time))
    };
    let later = at(morning, DAY_STARTS, 0)?;
    if deadline.is_none_or(|d| later < d) {
        return Some(later);
    }
    // The evening before: a caller asking at night itself must check it has not passed.
    at(evening, NIGHT_STARTS - 1, 59)
}

/// A text to send: a subject line and a plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The subject.
    pub subject: String,
    /// The body.
    pub body: String,
}

/// What a notification says, with the details filled in when it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A visit coming up.
    VisitReminder {
        /// The volunteer's given name.
        given_name: String,
        /// The local date.
        date: NaiveDate,
        /// The local start time.
        time: NaiveTime,
        /// Its length in minutes.
        minutes: i64,
        /// The unit's name, or `None` for a visit in someone's home.
        unit: Option<String>,
    },
    /// Something an approved volunteer's clearance rests on runs out.
    ExpiryWarning {
        /// The volunteer's (or dog handler's) name.
        volunteer: String,
        /// What runs out, as the work list describes it.
        what: String,
        /// The last day it counts.
        last_day: NaiveDate,
    },
    /// A follow-up is past its due date.
    FollowUpOverdue {
        /// Who or what it is about.
        about: String,
        /// Its due date.
        due_on: NaiveDate,
    },
    /// A session of an event the person is registered for.
    EventReminder {
        /// The person's given name (a volunteer's) or display name (staff).
        given_name: String,
        /// The event's title.
        title: String,
        /// The local date.
        date: NaiveDate,
        /// The local start time.
        time: NaiveTime,
        /// Where.
        place: String,
    },
}

fn date_text(date: NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

/// The text of `content` in the language of `country`.
pub fn render(country: Country, content: &Content) -> Message {
    let norwegian = country == Country::Norway;
    match content {
        Content::VisitReminder {
            given_name,
            date,
            time,
            minutes,
            unit,
        } => {
            let when = format!("{} kl. {}", date_text(*date), time.format("%H:%M"));
            let (subject, body) = if norwegian {
                let place = unit.as_ref().map_or_else(
                    || "i hjemmet til den du besøker".to_owned(),
                    |unit| format!("på {unit}"),
                );
                (
                    format!("Påminnelse: besøk {when}"),
                    format!(
                        "Hei {given_name}!\n\nDette er en påminnelse om besøket ditt {when} ({minutes} minutter) {place}.\n\nKan du ikke komme? Gi beskjed til koordinatoren din så snart som mulig.\n\nHilsen frivilligkoordinatoren i kommunen\n\nDu får denne e-posten fordi du er frivillig. Du kan slå av påminnelser om besøk i innstillingene dine."
                    ),
                )
            } else {
                let place = unit.as_ref().map_or_else(
                    || "i hjemmet hos den, du besøger".to_owned(),
                    |unit| format!("på {unit}"),
                );
                (
                    format!("Påmindelse: besøg {when}"),
                    format!(
                        "Hej {given_name}!\n\nDette er en påmindelse om dit besøg {when} ({minutes} minutter) {place}.\n\nKan du ikke komme? Giv besked til din koordinator hurtigst muligt.\n\nVenlig hilsen frivilligkoordinatoren i kommunen\n\nDu får denne e-mail, fordi du er frivillig. Du kan slå påmindelser om besøg fra i dine indstillinger."
                    ),
                )
            };
            Message { subject, body }
        }
        Content::ExpiryWarning {
            volunteer,
            what,
            last_day,
        } => {
            let day = date_text(*last_day);
            if norwegian {
                Message {
                    subject: format!("Utløper snart: {volunteer}"),
                    body: format!(
                        "Hei!\n\nFor den godkjente frivillige {volunteer} utløper dette {day}: {what}.\n\nSørg for at det fornyes i tide; ellers stopper tjenesten oppdragene som hviler på det.\n\nHilsen Samspill"
                    ),
                }
            } else {
                Message {
                    subject: format!("Udløber snart: {volunteer}"),
                    body: format!(
                        "Hej!\n\nFor den godkendte frivillige {volunteer} udløber dette {day}: {what}.\n\nSørg for at det fornyes i tide; ellers standser tjenesten de opgaver, der hviler på det.\n\nVenlig hilsen Samspill"
                    ),
                }
            }
        }
        Content::EventReminder {
            given_name,
            title,
            date,
            time,
            place,
        } => {
            let when = format!("{} kl. {}", date_text(*date), time.format("%H:%M"));
            if norwegian {
                Message {
                    subject: format!("Påminnelse: {title} {when}"),
                    body: format!(
                        "Hei {given_name}!\n\nDu er påmeldt {title} {when} på {place}.\n\nKan du ikke komme likevel? Meld deg av, så går plassen til den første på ventelisten.\n\nHilsen frivilligkoordinatoren i kommunen\n\nDu får denne e-posten fordi du er påmeldt. Du kan slå av påminnelser om arrangementer i innstillingene dine."
                    ),
                }
            } else {
                Message {
                    subject: format!("Påmindelse: {title} {when}"),
                    body: format!(
                        "Hej {given_name}!\n\nDu er tilmeldt {title} {when} på {place}.\n\nKan du alligevel ikke komme? Meld fra, så går pladsen til den første på ventelisten.\n\nVenlig hilsen frivilligkoordinatoren i kommunen\n\nDu får denne e-mail, fordi du er tilmeldt. Du kan slå påmindelser om arrangementer fra i dine indstillinger."
                    ),
                }
            }
        }
        Content::FollowUpOverdue { about, due_on } => {
            let day = date_text(*due_on);
            if norwegian {
                Message {
                    subject: format!("Oppfølging på overtid: {about}"),
                    body: format!(
                        "Hei!\n\nOppfølgingen av {about} skulle vært gjort innen {day} og står fortsatt åpen.\n\nRegistrer samtalen, eller flytt fristen.\n\nHilsen Samspill"
                    ),
                }
            } else {
                Message {
                    subject: format!("Opfølgning over tid: {about}"),
                    body: format!(
                        "Hej!\n\nOpfølgningen af {about} skulle have været gjort senest {day} og er stadig åben.\n\nRegistrér samtalen, eller flyt fristen.\n\nVenlig hilsen Samspill"
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Oslo;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn daytime_is_kept_and_the_night_moves_to_morning_or_evening() {
        // 10:00 in Oslo (UTC+1 in December): kept.
        assert_eq!(
            send_time(&Oslo, utc("2026-12-07T09:00:00Z"), None),
            Some(utc("2026-12-07T09:00:00Z"))
        );
        // 23:30 local: to 08:00 next morning.
        assert_eq!(
            send_time(&Oslo, utc("2026-12-07T22:30:00Z"), None),
            Some(utc("2026-12-08T07:00:00Z"))
        );
        // 06:00 local for a visit at 07:30 the next day: 08:00 that morning is still before it.
        assert_eq!(
            send_time(
                &Oslo,
                utc("2026-12-08T05:00:00Z"),
                Some(utc("2026-12-09T06:30:00Z"))
            ),
            Some(utc("2026-12-08T07:00:00Z"))
        );
        // 01:30 local for a visit at 07:30 the same morning: back to 20:59 the evening before.
        assert_eq!(
            send_time(
                &Oslo,
                utc("2026-12-08T00:30:00Z"),
                Some(utc("2026-12-08T06:30:00Z"))
            ),
            Some(utc("2026-12-07T19:59:00Z"))
        );
        assert!(is_night(&Oslo, utc("2026-12-07T20:00:00Z")));
        assert!(!is_night(&Oslo, utc("2026-12-07T07:00:00Z")));
        // Summer time (UTC+2): 07:30 local is still night.
        assert!(is_night(&Oslo, utc("2026-06-07T05:30:00Z")));
        // Asked at 03:30 itself, with the visit at 07:30: the morning is too late and the evening
        // has passed, which the answer shows by lying before the moment asked about.
        let asked = utc("2026-12-08T02:30:00Z");
        assert!(
            send_time(&Oslo, asked, Some(utc("2026-12-08T06:30:00Z"))).is_some_and(|at| at < asked)
        );
        // A daytime moment after the deadline is no use.
        assert_eq!(
            send_time(
                &Oslo,
                utc("2026-12-07T12:00:00Z"),
                Some(utc("2026-12-07T11:00:00Z"))
            ),
            None
        );
    }

    #[test]
    fn texts_follow_the_country() {
        let visit = Content::VisitReminder {
            given_name: "Kari".into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap_or_default(),
            time: NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default(),
            minutes: 60,
            unit: Some("Solsiden sykehjem".into()),
        };
        let no = render(Country::Norway, &visit);
        assert_eq!(no.subject, "Påminnelse: besøk 08.12.2026 kl. 10:00");
        assert!(no.body.starts_with("Hei Kari!") && no.body.contains("på Solsiden sykehjem"));
        let da = render(Country::Denmark, &visit);
        assert_eq!(da.subject, "Påmindelse: besøg 08.12.2026 kl. 10:00");
        assert!(da.body.starts_with("Hej Kari!"));
        let home = Content::VisitReminder {
            given_name: "Kari".into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap_or_default(),
            time: NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default(),
            minutes: 60,
            unit: None,
        };
        assert!(render(Country::Norway, &home).body.contains("i hjemmet"));
    }
}
