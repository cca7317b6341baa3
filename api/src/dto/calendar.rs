//! Calendars as `text/calendar` (RFC 5545): the window they take, and the iCalendar text made
//! from a [`Calendar`] of planned visits.
//!
//! Events are built with the `icalendar` crate. Times are in UTC (`DTSTART:20270323T130000Z`),
//! exactly as the visits are stored, so no time zone definition is needed and every
//! application shows them in its own zone; `X-WR-TIMEZONE` names the municipality's zone for
//! those that use it. The lines the crate writes are folded again here, so that no line is
//! longer than 75 octets (its folding can leave a continuation line one octet over).

use crate::cases::calendars::{Calendar, Entry};
use actix_web::{HttpResponse, http::header};
use chrono::{DateTime, NaiveDate, Utc};
use icalendar::{Component, Event, EventLike, EventStatus, Property};
use serde::Deserialize;
use utoipa::IntoParams;

/// The media type of calendars.
pub const TEXT_CALENDAR: &str = "text/calendar; charset=utf-8";

/// A calendar as the OpenAPI document shows it.
pub const EXAMPLE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Samspill//Samspill API//EN\r\n\
CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nX-WR-CALNAME:Samspill: Solsiden sykehjem\r\n\
X-WR-TIMEZONE:Europe/Oslo\r\nBEGIN:VEVENT\r\nDTSTAMP:20270301T090000Z\r\n\
DTEND:20270323T143000Z\r\nDTSTART:20270323T130000Z\r\nLOCATION:Solsiden sykehjem\r\n\
STATUS:CONFIRMED\r\nSUMMARY:Companionship (samvær og nærvær) at Solsiden sykehjem\r\n\
UID:0193a0c2-5b1e-7000-8000-00000000000a@samspill\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/// Which visits a calendar holds.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// From this date (local, included; default today).
    pub from: Option<NaiveDate>,
    /// To this date (local, included; default 12 weeks after `from`; at most a year after it).
    pub to: Option<NaiveDate>,
}

/// A calendar's text without control characters, which a content line cannot hold.
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A TEXT value escaped (RFC 5545 §3.3.11), for a property the crate leaves as it is.
fn escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
}

fn event(entry: &Entry, stamp: DateTime<Utc>) -> Event {
    let mut event = Event::new();
    event
        .uid(&format!("{}@samspill", entry.visit_id))
        .timestamp(stamp)
        .starts(entry.starts_at)
        .ends(entry.ends_at)
        .summary(&plain(&entry.summary))
        .status(if entry.confirmed {
            EventStatus::Confirmed
        } else {
            EventStatus::Tentative
        });
    if let Some(location) = &entry.location {
        event.location(&plain(location));
    }
    if entry.private_home {
        event.class(icalendar::Class::Private);
    }
    event.done()
}

/// The iCalendar text of `calendar`, stamped `now`.
pub fn ics(calendar: &Calendar, now: DateTime<Utc>) -> String {
    let mut out = icalendar::Calendar::empty();
    out.append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//Samspill//Samspill API//EN"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        // The crate escapes the `X-` properties but not RFC 7986's `NAME`.
        .append_property(Property::new("NAME", escaped(&plain(&calendar.name))))
        .append_property(Property::new("X-WR-CALNAME", plain(&calendar.name)))
        .timezone(calendar.time_zone);
    for entry in &calendar.entries {
        out.push(event(entry, now));
    }
    refold(&out.done().to_string())
}

/// The most octets a content line holds, its line break aside (RFC 5545 §3.1).
const LINE_OCTETS: usize = 75;

/// Unfolds the content lines of `text` and folds each again at 75 octets, never inside a
/// UTF-8 sequence; every line ends with CRLF.
fn refold(text: &str) -> String {
    let unfolded = text.replace("\r\n ", "");
    let mut out = String::with_capacity(text.len() + text.len() / 20);
    for line in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
        let mut room = LINE_OCTETS;
        for c in line.chars() {
            if c.len_utf8() > room {
                out.push_str("\r\n ");
                room = LINE_OCTETS - 1;
            }
            out.push(c);
            room -= c.len_utf8();
        }
        out.push_str("\r\n");
    }
    out
}

/// A `200 OK` with `calendar` as `text/calendar`.
pub fn response(calendar: &Calendar, now: DateTime<Utc>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, TEXT_CALENDAR))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(ics(calendar, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use samspill_domain::ids::VisitId;

    fn calendar(summary: &str, location: Option<&str>) -> Calendar {
        let starts_at = DateTime::from_timestamp(1_805_979_600, 0).unwrap_or_default();
        Calendar {
            name: "Samspill: Solsiden".to_owned(),
            time_zone: "Europe/Oslo",
            entries: vec![Entry {
                visit_id: VisitId::generate(),
                starts_at,
                ends_at: starts_at + chrono::TimeDelta::minutes(90),
                summary: summary.to_owned(),
                location: location.map(str::to_owned),
                private_home: location.is_some(),
                confirmed: false,
            }],
        }
    }

    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn every_line_ends_in_crlf_and_holds_at_most_75_octets() {
        // Long values of every length around the folding points, with letters of two and
        // three octets, so that a fold falls inside a UTF-8 sequence somewhere.
        for length in 60..240 {
            let summary: String = "Samvær og nærvær – ".chars().cycle().take(length).collect();
            let text = ics(&calendar(&summary, Some(&summary)), Utc::now());
            assert!(text.ends_with("\r\n"));
            for line in text.split("\r\n") {
                assert!(line.len() <= LINE_OCTETS, "{} octets: {line:?}", line.len());
            }
            assert!(!text.replace("\r\n", "").contains(['\r', '\n']));
            let unfolded = unfold(&text);
            assert!(unfolded.contains(&format!("\r\nSUMMARY:{summary}\r\n")));
            assert!(unfolded.contains(&format!("\r\nLOCATION:{summary}\r\n")));
        }
    }

    #[test]
    fn text_is_escaped_and_times_are_utc() {
        let text = unfold(&ics(
            &calendar(
                "Tur; kaffe, kake\\ og\nsang",
                Some("Storgata 12, 0155 Oslo"),
            ),
            Utc::now(),
        ));
        assert!(text.contains("\r\nSUMMARY:Tur\\; kaffe\\, kake\\\\ og sang\r\n"));
        assert!(text.contains("\r\nLOCATION:Storgata 12\\, 0155 Oslo\r\n"));
        assert!(text.contains("\r\nDTSTART:20270325T130000Z\r\n"));
        assert!(text.contains("\r\nDTEND:20270325T143000Z\r\n"));
        assert!(text.contains("\r\nSTATUS:TENTATIVE\r\n"));
        assert!(text.contains("\r\nCLASS:PRIVATE\r\n"));
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 1);
        let mut named = calendar("Tur", None);
        named.name = "Samspill: Sol, sjø; og\\".to_owned();
        let text = ics(&named, Utc::now());
        assert!(text.contains("\r\nNAME:Samspill: Sol\\, sjø\\; og\\\\\r\n"));
        assert!(text.contains("\r\nX-WR-CALNAME:Samspill: Sol\\, sjø\\; og\\\\\r\n"));
    }
}
