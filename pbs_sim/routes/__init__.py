"""HTTP routes: parse what the request says, call the models, shape PBS's answer (moto's ``responses``)."""
