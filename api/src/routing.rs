//! What answers when no route matches: 405 with `Allow` when the path exists for other
//! methods, 404 otherwise. The table comes from the OpenAPI document, which lists every route.

use crate::error::problem;
use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};

/// Paths of the API as segment patterns, with the methods each takes and whether its POST
/// takes an `Idempotency-Key`.
#[derive(Debug, Default)]
pub struct RouteTable(Vec<Route>);

#[derive(Debug)]
struct Route {
    segments: Vec<Segment>,
    methods: Vec<String>,
    idempotent_post: bool,
}

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
                let idempotent_post = item
                    .post
                    .as_ref()
                    .is_some_and(crate::openapi::takes_idempotency_key);
                Route {
                    segments,
                    methods,
                    idempotent_post,
                }
            })
            .collect();
        Self(routes)
    }

    fn route(&self, path: &str) -> Option<&Route> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.0.iter().find(|route| {
            route.segments.len() == parts.len()
                && route
                    .segments
                    .iter()
                    .zip(&parts)
                    .all(|(segment, part)| match segment {
                        Segment::Literal(literal) => literal == part,
                        Segment::Parameter => !part.is_empty(),
                    })
        })
    }

    /// The methods a path takes, if it is a path of the API.
    pub fn allowed(&self, path: &str) -> Option<&[String]> {
        self.route(path).map(|route| route.methods.as_slice())
    }

    /// Whether a POST to this path creates, and so takes an `Idempotency-Key`.
    pub fn takes_idempotency_key(&self, path: &str) -> bool {
        self.route(path).is_some_and(|route| route.idempotent_post)
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
