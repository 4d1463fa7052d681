{#- Fails for every row where the column is outside [min_expression, max_expression]. -#}
{% test value_between(model, column_name, min_expression, max_expression, tolerance=1e-12) %}
select *
from {{ model }}
where
    {{ column_name }} < ({{ min_expression }}) - {{ tolerance }}
    or {{ column_name }} > ({{ max_expression }}) + {{ tolerance }}
{% endtest %}
