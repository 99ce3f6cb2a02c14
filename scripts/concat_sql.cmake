# concat_sql.cmake assembles nightjar--X.Y.sql (OUT) from SQL_DIR/*.sql in name order.
file(GLOB PARTS ${SQL_DIR}/*.sql)
list(SORT PARTS)
file(WRITE ${OUT} "-- generated from sql/*.sql by scripts/concat_sql.cmake; do not edit\n")
foreach(part ${PARTS})
  get_filename_component(name ${part} NAME)
  file(READ ${part} body)
  file(APPEND ${OUT} "\n-- ==== ${name} ====\n${body}")
endforeach()
