//! What answers when no route matches: 405 with `Allow` when the path exists for other
//! methods, 404 otherwise. The table comes from the OpenAPI document, which lists every route.

use crate::error::problem;
use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};

/// Paths of the API as segment patterns, with the methods each takes.
#[derive(Debug, Default)]
pub struct RouteTable(Vec<(Vec<Segment>, Vec<String>)>);

#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter,
}

impl RouteTable {
    /// Reads the paths and methods of an OpenAPI document.
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Parameter
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter(|(_, present)| *present)
                .map(|(method, _)| method.to_owned())
                .collect();
                (segments, methods)
            })
            .collect();
        Self(routes)
    }

    /// The methods a path takes, if it is a path of the API.
    pub fn allowed(&self, path: &str) -> Option<&[String]> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.0
            .iter()
            .find(|(segments, _)| {
                segments.len() == parts.len()
                    && segments
                        .iter()
                        .zip(&parts)
                        .all(|(segment, part)| match segment {
                            Segment::Literal(literal) => literal == part,
                            Segment::Parameter => !part.is_empty(),
                        })
            })
            .map(|(_, methods)| methods.as_slice())
    }
}

/// The default service.
pub async fn no_route(req: HttpRequest, routes: web::Data<RouteTable>) -> HttpResponse {
    match routes.allowed(req.path()) {
        Some(methods) => {
            let allow = methods.join(", ");
            HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, allow.clone()))
                .content_type(crate::error::PROBLEM_JSON)
                .json(problem(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "",
                    format!(
                        "{} is not allowed here; this path takes {allow}.",
                        req.method()
                    ),
                ))
        }
        None => HttpResponse::NotFound()
            .content_type(crate::error::PROBLEM_JSON)
            .json(problem(
                StatusCode::NOT_FOUND,
                "",
                "No resource at this path.".to_owned(),
            )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::openapi::{HttpMethod, OpenApiBuilder, PathItem, PathsBuilder, path::Operation};

    #[test]
    fn a_known_path_lists_its_methods_and_an_unknown_one_is_none() {
        let doc = OpenApiBuilder::new()
            .paths(
                PathsBuilder::new()
                    .path(
                        "/api/v1/units/{id}",
                        PathItem::new(HttpMethod::Get, Operation::new()),
                    )
                    .path(
                        "/api/v1/units",
                        PathItem::new(HttpMethod::Post, Operation::new()),
                    ),
            )
            .build();
        let table = RouteTable::from_openapi(&doc);
        assert_eq!(
            table.allowed("/api/v1/units/abc"),
            Some(&["GET".to_owned()][..])
        );
        assert_eq!(
            table.allowed("/api/v1/units"),
            Some(&["POST".to_owned()][..])
        );
        assert_eq!(table.allowed("/api/v1/units/abc/x"), None);
        assert_eq!(table.allowed("/api/v1/nothing"), None);
    }
}
