//! Request and response shapes that more than one route file uses. A shape used by one route
//! file stays next to its handlers.

pub mod audit;
pub mod calendar;
pub mod clearance;
pub mod group;
pub mod placement;
pub mod vetting;
pub mod volunteer;

/// A JSON array of `items`, each shown as `V`.
pub fn list_of<V, T>(items: Vec<T>) -> actix_web::HttpResponse
where
    V: From<T> + serde::Serialize,
{
    actix_web::HttpResponse::Ok().json(items.into_iter().map(V::from).collect::<Vec<V>>())
}
