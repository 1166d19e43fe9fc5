//! The demo project's traffic: six weeks of a multilingual support bot. `prompt-v1` runs until
//! two weeks ago, then `prompt-v2`, which from the fifth turn of a German conversation answers
//! in English. German is a small share of traffic, so the total barely moves: the story the
//! dashboards must tell. Before that, from five to three weeks ago, half the end users
//! were served `prompt-v1-concise` in an A/B test: they liked its short replies better, but a
//! third of its replies outside German were too short to help (the length guardrail breaks).
//!
//! Conversations come from [`USERS`] end users, a few of them heavy (one user in ten has half
//! the conversations), and every output names its user, as the A/B test counts them. Now and
//! then during the test a stale cache served a user the other arm's prompt: those outputs are
//! left out of the test and counted.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// Days of traffic.
pub const DAYS: i64 = 42;
/// Days ago that prompt-v2 was deployed (within the last week, so the week-over-week change shows it).
pub const V2_DAYS_AGO: i64 = 6;
/// The A/B test of `prompt-v1-concise` against `prompt-v1`: its key (the arm of a user is the
/// arm API's hash of their id) and the days ago it started and ended.
pub const AB_TEST: &str = "concise-replies";
pub const AB_STARTED_DAYS_AGO: i64 = 34;
pub const AB_ENDED_DAYS_AGO: i64 = 21;
/// The variant's short replies, per language (as in [`LANGUAGES`]): four words or fewer (the
/// length guardrail fails them), and under 20 characters (too short for the language check to
/// judge, so they neither pass nor fail it). German conversations get none: the German
/// monitors' story (quiet until prompt-v2) stays as it was.
const SHORT_REPLIES: [[&str; 2]; 4] = [
    ["Under Contracts.", "In 14 days."],
    ["Unter „Verträge“.", "In 14 Tagen."],
    ["Espace client.", "Sous 14 jours."],
    ["Area clienti.", "Entro 14 giorni."],
];

/// Conversations a day.
const CONVERSATIONS_PER_DAY: u64 = 60;

/// End users of the support bot.
pub const USERS: u64 = 500;

/// The end user of a conversation, from a number drawn for it: one user in ten (the heavy
/// ones) has half the conversations.
fn user_of(draw: u64) -> String {
    let heavy = USERS / 10;
    let index = if draw.is_multiple_of(2) {
        (draw / 2) % heavy
    } else {
        heavy + (draw / 2) % (USERS - heavy)
    };
    format!("u-{index:04}")
}

/// A deterministic hash of the numbers, for varied but repeatable traffic.
fn mix(parts: &[u64]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        h ^= part.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h = h.wrapping_mul(0x0100_0000_01b3).rotate_left(29);
    }
    h ^ (h >> 31)
}

/// (language, questions, replies) in each language the bot serves.
pub(super) const LANGUAGES: [(&str, [&str; 2], [&str; 4]); 4] = [
    (
        "en",
        ["How do I cancel my contract?", "When will I get my refund?"],
        [
            "You can cancel your contract online in your customer account under Contracts at any time.",
            "Your refund will be transferred to your bank account within fourteen days after the contract ends.",
            "The notice period for your tariff is one month to the end of the month, so the change is quick.",
            "You will receive a confirmation by email within a few minutes of submitting the cancellation.",
        ],
    ),
    (
        "de",
        ["Wie kündige ich meinen Vertrag?", "Wann bekomme ich mein Guthaben zurück?"],
        [
            "Sie können Ihren Vertrag jederzeit online im Kundenkonto unter „Verträge“ kündigen.",
            "Ihr Guthaben wird nach Vertragsende innerhalb von vierzehn Tagen auf Ihr Konto überwiesen.",
            "Für Ihren Tarif gilt eine Kündigungsfrist von einem Monat zum Monatsende, ganz unkompliziert.",
            "Nach der Kündigung erhalten Sie innerhalb weniger Minuten eine Bestätigung per E-Mail.",
        ],
    ),
    (
        "fr",
        ["Comment résilier mon contrat ?", "Quand serai-je remboursé ?"],
        [
            "Vous pouvez résilier votre contrat en ligne à tout moment depuis votre espace client.",
            "Votre remboursement sera versé sur votre compte bancaire dans les quatorze jours suivant la fin du contrat.",
            "Le délai de préavis de votre forfait est d'un mois à la fin du mois, c'est très simple.",
            "Vous recevrez une confirmation par courriel quelques minutes après votre demande de résiliation.",
        ],
    ),
    (
        "it",
        ["Come posso disdire il mio contratto?", "Quando riceverò il rimborso?"],
        [
            "Può disdire il contratto online in qualsiasi momento dalla sua area clienti alla voce Contratti.",
            "Il rimborso sarà accreditato sul suo conto bancario entro quattordici giorni dalla fine del contratto.",
            "Il periodo di preavviso per la sua tariffa è di un mese alla fine del mese, molto semplice.",
            "Riceverà una conferma via e-mail pochi minuti dopo aver inviato la richiesta di disdetta.",
        ],
    ),
];

/// What prompt-v2 says from the fifth turn of a German conversation.
pub(super) const ENGLISH_LATE_TURN: &str =
    "Your remaining balance will be transferred to your bank account within fourteen days after the contract ends.";

/// Every demo output, as ingestion records, ending at `now`.
pub fn records(now: DateTime<Utc>) -> Vec<Value> {
    let mut records = Vec::new();
    for day in 0..DAYS as u64 {
        let days_ago = DAYS - day as i64;
        let start = now - Duration::days(days_ago);
        for conversation in 0..CONVERSATIONS_PER_DAY {
            let h = |salt: u64| mix(&[day, conversation, salt]);
            // 12% German, 48% English, 20% French, 20% Italian.
            let language = match h(1) % 100 {
                0..=11 => 1,
                12..=59 => 0,
                60..=79 => 2,
                _ => 3,
            };
            let (code, questions, replies) = LANGUAGES[language];
            let id = format!("demo-{day}-{conversation}");
            let user = user_of(h(15));
            let in_test = (AB_ENDED_DAYS_AGO..AB_STARTED_DAYS_AGO).contains(&(days_ago - 1));
            // One conversation in fifty during the test got the other arm's prompt (a stale cache).
            let concise = app::domain::experiment::arm(AB_TEST, &user, 2) == Some(1);
            let concise = concise != (h(16) % 50 == 0);
            let version = if days_ago <= V2_DAYS_AGO {
                "prompt-v2"
            } else if in_test && concise {
                "prompt-v1-concise"
            } else {
                "prompt-v1"
            };
            let customer = ["acme", "globex", "initech", "umbrella"][(h(2) % 4) as usize];
            let channel = ["web", "app", "email"][(h(3) % 3) as usize];
            // Conversations of 1 to 8 turns, half of them past the fourth.
            let turns = 1 + [0, 1, 1, 2, 3, 4, 4, 5, 6, 7][(h(4) % 10) as usize];
            let begins = start + Duration::minutes((h(5) % (22 * 60)) as i64);
            for turn in 1..=turns {
                let t = |salt: u64| mix(&[day, conversation, turn, salt]);
                let mut reply = replies[(t(6) % 4) as usize].to_owned();
                if version == "prompt-v2" && code == "de" && turn >= 5 {
                    reply = ENGLISH_LATE_TURN.to_owned();
                } else if code != "en" && t(11) % 1000 < 15 {
                    // Now and then, in either version, a reply comes back in English.
                    reply = LANGUAGES[0].2[(t(12) % 4) as usize].to_owned();
                } else if t(7) % 100 < 2 {
                    reply = format!("Let us delve into this: {reply}");
                } else if t(8) % 100 < 1 {
                    reply = "OK.".to_owned();
                } else if version == "prompt-v1-concise" && code != "de" && t(13) % 3 == 0 {
                    reply = SHORT_REPLIES[language][(t(14) % 2) as usize].to_owned();
                }
                records.push(json!({
                    "version": version,
                    "model": "gpt-4o-mini",
                    "external_id": format!("{id}-{turn}"),
                    "conversation_id": id,
                    "turn_index": turn,
                    "user": user,
                    "input": questions[(t(9) % 2) as usize],
                    "output": reply,
                    "source": "production",
                    "metadata": {"language": code, "customer": customer, "channel": channel},
                    "latency_ms": 400 + t(10) % 900,
                    "timestamp": begins + Duration::minutes(2 * turn as i64),
                }));
            }
        }
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_is_repeatable_and_german_is_a_small_share() {
        let now = Utc::now();
        let records = records(now);
        assert_eq!(records, super::records(now));
        let german = records
            .iter()
            .filter(|r| r["metadata"]["language"] == "de")
            .count();
        let share = german as f64 / records.len() as f64;
        assert!((0.05..0.16).contains(&share), "German is {share:.3} of traffic");
        let english_late = records
            .iter()
            .filter(|r| r["output"] == ENGLISH_LATE_TURN && r["metadata"]["language"] == "de")
            .count();
        assert!(
            english_late > 10,
            "the regression has enough cases to show: {english_late}"
        );
        let concise = records
            .iter()
            .filter(|r| r["version"] == "prompt-v1-concise")
            .count();
        let v1 = records.iter().filter(|r| r["version"] == "prompt-v1").count();
        assert!(
            concise > 1000 && v1 > 3 * concise,
            "{concise} concise of {v1} v1 outputs"
        );
        assert!(records.iter().all(|r| r["version"] == "prompt-v2"
            || r["output"] != ENGLISH_LATE_TURN
            || r["metadata"]["language"] != "de"));
    }
}
