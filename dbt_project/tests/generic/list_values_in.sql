{#- Fails for every row whose list column holds a value outside the accepted set. -#}
{% test list_values_in(model, column_name, values) %}
select *
from {{ model }}
where len(list_filter({{ column_name }}, lambda x: x not in ({{ "'" ~ (values | join("', '")) ~ "'" }}))) > 0
{% endtest %}
