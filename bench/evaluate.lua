-- wrk script: POST a bookstore 一刻钟 claim to /api/v1/evaluate.
-- Usage: wrk -t2 -c32 -d20s --latency -s bench/evaluate.lua http://127.0.0.1:8080/api/v1/evaluate
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"clause":"jjgf-2025-21/7.1","event_date":"2026-03-01","as_of":"2026-06-30","facts":{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false,"operating_normally":true,"declared_truthful":true,"has_publication_permit":true,"bookstore_premises":true,"publications_main_business":true,"operating_months":18,"business_area_m2":"200","publication_area_m2":"120","books_on_shelf":3000,"publication_varieties":800,"hosted_reading_events":6,"quarter_hour_service":true,"annual_costs":"50万元"}}]]
