//! The command line: `serve [--demo]` (the default) and `admin create`.

/// What the binary was asked to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Serve the application, optionally after seeding demo data.
    Serve { demo: bool },
    /// Create an admin; the password comes from `VERNIER_ADMIN_PASSWORD` or standard input.
    CreateAdmin { username: String, display_name: String },
    /// Re-seal every stored secret under a new key.
    RotateSecretKey,
    /// Print usage.
    Help,
}

/// Usage text.
pub const USAGE: &str = "usage:
  server [serve] [--demo]       serve Vernier (--demo: create demo users and a demo project first)
  server admin create --username NAME [--display-name \"Full Name\"]
                                create an admin; the password is read from VERNIER_ADMIN_PASSWORD
                                or, when that is unset, from the first line of standard input
  server secrets rotate         re-seal the stored LLM endpoint keys and webhook secrets under a
                                new key (the key file is replaced; with VERNIER_SECRET_KEY the
                                new key is printed, to set before the next start)";

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["serve"] => Ok(Command::Serve { demo: false }),
        ["--demo"] | ["serve", "--demo"] => Ok(Command::Serve { demo: true }),
        ["help" | "--help" | "-h"] => Ok(Command::Help),
        ["secrets", "rotate"] => Ok(Command::RotateSecretKey),
        ["admin", "create", rest @ ..] => {
            let username = flag(rest, "--username")?.ok_or("admin create needs --username NAME")?;
            let display_name = flag(rest, "--display-name")?.unwrap_or_else(|| username.clone());
            Ok(Command::CreateAdmin {
                username,
                display_name,
            })
        }
        _ => Err(format!("unknown arguments: {}\n{USAGE}", words.join(" "))),
    }
}

fn flag(words: &[&str], name: &str) -> Result<Option<String>, String> {
    let mut pairs = words.chunks(2);
    for pair in pairs.by_ref() {
        match pair {
            [key, value] if *key == name => return Ok(Some((*value).to_owned())),
            [key, _] if key.starts_with("--") => {}
            _ => return Err(format!("cannot read arguments {words:?}\n{USAGE}")),
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn no_arguments_serve() {
        assert_eq!(parse(&[]), Ok(Command::Serve { demo: false }));
        assert_eq!(parse(&args("serve --demo")), Ok(Command::Serve { demo: true }));
        assert_eq!(parse(&args("secrets rotate")), Ok(Command::RotateSecretKey));
        assert!(parse(&args("secrets")).is_err());
    }

    #[test]
    fn admin_create_takes_a_username_and_an_optional_display_name() {
        assert_eq!(
            parse(&args("admin create --username root")),
            Ok(Command::CreateAdmin {
                username: "root".into(),
                display_name: "root".into()
            })
        );
        assert_eq!(
            parse(&args("admin create --display-name Root --username root")),
            Ok(Command::CreateAdmin {
                username: "root".into(),
                display_name: "Root".into()
            })
        );
    }

    #[test]
    fn admin_create_without_a_username_is_refused() {
        assert!(parse(&args("admin create")).unwrap_err().contains("--username"));
    }

    #[test]
    fn unknown_words_print_the_usage() {
        assert!(parse(&args("frobnicate")).unwrap_err().contains("usage:"));
    }
}
