//! Input checks shared by the use cases. Each names the field it checks, so the error can say
//! which input is wrong.

use crate::domain::Handle;
use crate::error::{AppError, AppResult};

pub const DISPLAY_NAME_MAX: usize = 100;
pub const BIO_MAX: usize = 2000;
pub const TITLE_MAX: usize = 80;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 256;
pub const INSTANCE_NAME_MAX: usize = 100;
pub const INSTANCE_DESCRIPTION_MAX: usize = 5000;
pub const TOKEN_LABEL_MAX: usize = 100;

pub fn new_handle(field: &'static str, raw: &str) -> AppResult<Handle> {
    Handle::parse_new(raw).map_err(|m| AppError::invalid(field, format!("{field} {m}")))
}

/// A single-line text: trimmed, no control characters, at most `max` characters.
pub fn line(field: &'static str, raw: &str, max: usize, required: bool) -> AppResult<String> {
    let s = raw.trim();
    if required && s.is_empty() {
        return Err(AppError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if s.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(s.to_string())
}

/// A multi-line text: trimmed, line breaks and tabs allowed, other control characters refused.
pub fn text(field: &'static str, raw: &str, max: usize, required: bool) -> AppResult<String> {
    let s = raw.trim().replace("\r\n", "\n");
    if required && s.is_empty() {
        return Err(AppError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if s.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(AppError::invalid(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(s)
}

pub fn password(field: &'static str, raw: &str) -> AppResult<()> {
    let n = raw.chars().count();
    if n < PASSWORD_MIN {
        return Err(AppError::invalid(
            field,
            format!("{field} must be at least {PASSWORD_MIN} characters"),
        ));
    }
    if n > PASSWORD_MAX {
        return Err(AppError::invalid(
            field,
            format!("{field} must be at most {PASSWORD_MAX} characters"),
        ));
    }
    Ok(())
}
