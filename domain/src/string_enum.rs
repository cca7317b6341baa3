//! A macro for enums that travel as snake_case strings (in JSON and in the database alike).

/// Declares a `Copy` enum with `ALL`, `as_str`, `description`, `Display`, `FromStr` and serde
/// as strings. Each value's doc comment is its description.
macro_rules! string_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[doc = $vdoc:literal])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $($(#[doc = $vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The string form used in JSON and in the database.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// What the value means: its doc comment, lines joined by spaces (each line keeps
            /// the space after `///`, so trim the result).
            pub const fn description(self) -> &'static str {
                match self {
                    $($name::$variant => concat!($($vdoc),*)),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::ParseError::new(
                        "invalid_value",
                        format!(
                            "must be one of: {}",
                            [$($text),+].join(", ")
                        ),
                    )),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                s.parse().map_err(|e: $crate::ParseError| ::serde::de::Error::custom(e.message))
            }
        }
    };
}

pub(crate) use string_enum;
