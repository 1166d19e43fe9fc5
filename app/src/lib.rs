//! Vernier's Leptos application: the HTML shell, the root component and the route table.

pub mod api;
pub mod components;
pub mod domain;
pub mod error;
#[cfg(all(test, feature = "ssr"))]
mod layering;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
pub mod session;

use components::header::Header;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};
use pages::alerts::AlertsPage;
use pages::annotate::{AnnotatePage, MyQueuesPage};
use pages::api_keys::ApiKeysPage;
use pages::audit::AuditPage;
use pages::compare::ComparePage;
use pages::compare_runs::CompareRunsPage;
use pages::dataset::DatasetPageView;
use pages::dataset_health::DatasetHealthPage;
use pages::datasets::DatasetsPage;
use pages::endpoints::EndpointsPage;
use pages::experiment::ExperimentPage;
use pages::experiments::ExperimentsPage;
use pages::feedback::FeedbackPage;
use pages::impact::ImpactPage;
use pages::judge_check::JudgeCheckPage;
use pages::maturity::MaturityPage;
use pages::maturity_overview::MaturityOverviewPage;
use pages::members::MembersPage;
use pages::metric::MetricPage;
use pages::metric_form::{EditMetricPage, NewMetricPage};
use pages::metrics::MetricsPage;
use pages::metrics_io::MetricsIoPage;
use pages::monitor_form::MonitorFormPage;
use pages::otlp::OtlpPage;
use pages::output::OutputPage;
use pages::outputs::OutputsPage;
use pages::queue::QueuePage;
use pages::queue_report::QueueReportPage;
use pages::queues::QueuesPage;
use pages::rubrics::RubricsPage;
use pages::run::RunPage;
use pages::{
    home::HomePage, login::LoginPage, not_found::NotFoundPage, project::ProjectPage, users::UsersPage,
};
use session::SessionContext;

/// The HTML document around the application.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    server::security::apply_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                // ECharts is loaded by the first chart of a page (components/charts.rs), not here.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The root component: session context, header and routes. Pages render on the server only
/// after their data is ready (`SsrMode::Async`), so a sign-in redirect is a real 302.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    SessionContext::provide();
    view! {
        <Title text="Vernier"/>
        <Router>
            <SessionEffects/>
            <Header/>
            <main class="page">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=AuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/queue") view=QueuePage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug") view=ProjectPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/metrics") view=MetricsPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/metrics/new") view=NewMetricPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/metrics/:key") view=MetricPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/metrics/:key/edit") view=EditMetricPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/queue") view=QueuePage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/api-keys") view=ApiKeysPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/otlp") view=OtlpPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/endpoints") view=EndpointsPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/outputs") view=OutputsPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/outputs/:id") view=OutputPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/metrics-as-code") view=MetricsIoPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/rubrics") view=RubricsPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/queues") view=QueuesPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/queues/:id") view=QueueReportPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/judge-check") view=JudgeCheckPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/members") view=MembersPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/compare") view=ComparePage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/impact") view=ImpactPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/maturity") view=MaturityPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/alerts") view=AlertsPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/feedback") view=FeedbackPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/datasets") view=DatasetsPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/datasets/:name") view=DatasetPageView ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/datasets/:name/health") view=DatasetHealthPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/runs/:run") view=RunPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/compare-runs") view=CompareRunsPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/experiments") view=ExperimentsPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/experiments/:key") view=ExperimentPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/monitors/new") view=MonitorFormPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/:slug/monitors/:id") view=MonitorFormPage ssr=SsrMode::Async/>
                    <Route path=path!("/maturity") view=MaturityOverviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/annotate") view=MyQueuesPage ssr=SsrMode::Async/>
                    <Route path=path!("/annotate/:queue") view=AnnotatePage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}

/// Navigation after sign-in and sign-out, and a marker that hydration finished (end-to-end
/// tests wait for it before they type).
#[component]
fn SessionEffects() -> impl IntoView {
    expect_context::<SessionContext>().follow_outcomes();
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
